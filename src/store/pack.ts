import { constants as bufferConstants } from 'node:buffer';
import { objectId } from './gitObjects.js';
import { MetaError, isMetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from './fs.js';
import { applyDelta, MAX_DELTA_CHAIN } from './packDelta.js';
import { inflateExact, InflateError } from './inflateExact.js';
import { LruCache } from '../util/LruCache.js';
import { backoffMs } from '../util/pause.js';

/**
 * Reads objects out of git packfiles through their `.idx`, with positioned reads.
 *
 * Why not isomorphic-git: it reads and checksums the *whole* pack on first use (0.2–0.8 s and
 * ~140 MB RSS for a 100k-record repository, DESIGN.md §6). Here a cold lookup costs one
 * `readFileSync` of the idx (28 bytes per object), a binary search, and a few small `readSync`
 * calls into the pack: the way git itself does it.
 *
 * Format references: git's Documentation/gitformat-pack.txt, `packfile.c`, `patch-delta.c`.
 */

/** A git object as stored: its type and its uncompressed, delta-resolved content. */
export interface RawObject {
  type: 'blob' | 'tree' | 'commit' | 'tag';
  data: Uint8Array;
}

/** Options for {@link PackSet}. */
export interface PackSetOptions {
  /**
   * Resolves a REF_DELTA base that no pack in the set holds (a thin pack's base, normally a loose
   * object). Loose objects are not this module's business, so the caller plugs its loose store in.
   */
  resolveExternal?: (oid: string) => RawObject | undefined;
  /** Byte budget of the delta-base cache (default 16 MiB). */
  cacheBytes?: number;
  /**
   * Check that the SHA-1 of every object returned by `read` equals the oid asked for (default
   * true). It costs microseconds per record and is the only thing that catches an idx pointing at
   * the wrong entry, since nothing checksums the whole pack.
   */
  verifyObjects?: boolean;
  /** An idx up to this many bytes is read whole, a larger one slice by slice (default 1 MiB). */
  wholeIdxMax?: number;
  /**
   * The object directory whose `pack/` is read, when it is not `<gitdir>/objects`: an alternate
   * object store (`objects/info/alternates`).
   */
  objectsDir?: string;
}

const OBJ_COMMIT = 1;
const OBJ_TREE = 2;
const OBJ_BLOB = 3;
const OBJ_TAG = 4;
const OBJ_OFS_DELTA = 6;
const OBJ_REF_DELTA = 7;
const TYPE_NAMES: Record<number, RawObject['type']> = {
  [OBJ_COMMIT]: 'commit',
  [OBJ_TREE]: 'tree',
  [OBJ_BLOB]: 'blob',
  [OBJ_TAG]: 'tag',
};

const IDX_MAGIC = 0xff744f63; // "\377tOc"
const HASH_LEN = 20; // SHA-1 repositories only; SHA-256 packs are not supported.
const OID_RE = /^[0-9a-f]{40}$/;
/** First read at an entry: covers the header and, for small records, the whole compressed body. */
const FIRST_READ = 4096;
/** Longer chains than git ever writes (its default max depth is 50, `--depth` caps at 4095). */
const MAX_CHAIN = MAX_DELTA_CHAIN;
/** The largest object a Buffer can hold, with the spare byte inflating needs. */
const MAX_READ_SIZE = bufferConstants.MAX_LENGTH - 1;
/**
 * Attempts at a lookup while pack files vanish under it. A `git repack -ad` loop replaces the pack
 * set every few tens of milliseconds, so one retry is not enough; the listing that a retry finds
 * is usually stable for the next one.
 */
const PACK_RETRIES = 10;
/**
 * Block size and count of each pack's read cache (at most 8 MiB per pack). 16 KiB: a first read
 * walks a delta chain whose links lie far apart in the pack, so most of a larger block is copied
 * for nothing, while a history walk, reading the pack front to back, barely notices the extra
 * read calls.
 */
const BLOCK = 16 * 1024;
const MAX_BLOCKS = 512;
/** Delta-base cache keys are `pack id * PACK_KEY_SCALE + offset`. */
const PACK_KEY_SCALE = 2 ** 40;
/** An idx up to this size is read whole; a larger one through positioned reads. */
const WHOLE_IDX_MAX = 1 << 20;

/** One `.idx`/`.pack` pair, both opened lazily. */
class Pack {
  /** The whole idx, when it is small enough to read at once. */
  private idx: Buffer | undefined;
  /** Otherwise the idx is read through this descriptor, a slice per fanout bucket. */
  private idxFd: number | undefined;
  private idxSize = 0;
  /** Cumulative counts per first oid byte; set once the idx header is parsed. */
  private fanout: Uint32Array | undefined;
  private readonly buckets = new Map<number, Buffer>();
  private readonly offsets = new Map<number, Buffer>();
  private version = 0;
  private count = 0;
  private oidTable = 0; // byte offset of the sorted oid table in the idx
  private oidStride = 0; // 20 for v2, 24 for v1 (offset precedes each oid)
  private offTable = 0; // v2: 4-byte offsets table
  private largeTable = 0; // v2: 8-byte large offsets table
  private largeCount = 0;
  private fd: number | undefined;
  /** End of entry data: the pack's size minus its 20-byte trailing checksum. */
  private dataEnd = 0;
  /** Recently read blocks of the pack by block number. */
  private readonly blocks = new LruCache<number, Buffer>(MAX_BLOCKS);

  constructor(
    /** Small and unique among the set's open packs; keys the delta-base cache. */
    readonly id: number,
    private readonly fs: SyncFs,
    readonly idxPath: string,
    readonly packPath: string,
    private readonly wholeIdxMax = WHOLE_IDX_MAX,
  ) {}

  /**
   * Parses the idx header on first use. A small idx is read whole; a large one (a 100k-record
   * repository has ~1M objects, a 28 MB idx) is read with positioned reads: the fanout table,
   * then per lookup only the slice of the oid table for the oid's first byte (cached), so a cold
   * `meta resolve binary` reads ~1 MB of it instead of all of it.
   */
  private loadIdx(): void {
    if (this.fanout) return;
    let size: number;
    let head: Buffer;
    const st = this.fs.statSync(this.idxPath);
    size = st.size;
    if (size <= this.wholeIdxMax) {
      const raw = this.fs.readFileSync(this.idxPath);
      const idx = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      size = idx.length;
      this.idx = idx;
      head = idx;
    } else {
      this.idxFd = this.fs.openSync(this.idxPath, 'r');
      head = this.idxRead(0, Math.min(size, 8 + 1024));
    }
    const bad = (why: string): MetaError =>
      new MetaError('CORRUPT_RECORD', `corrupt pack index ${this.idxPath}: ${why}; run \`git fsck\``, {
        pack: this.packPath,
        idx: this.idxPath,
      });
    try {
      if (size < 1024 + 2 * HASH_LEN) throw bad(`too short (${size} bytes)`);
      let fanoutAt: number;
      const magic = head.readUInt32BE(0);
      if (magic === IDX_MAGIC) {
        const version = head.readUInt32BE(4);
        if (version !== 2) throw bad(`unsupported version ${version}`);
        this.version = 2;
        fanoutAt = 8;
      } else {
        // Version 1 has no header: it starts with the fanout table. Its first entry counts oids
        // starting with 0x00, so it can never equal the v2 magic in a well-formed v1 file. Anything
        // that fails the v1 checks below is reported as a bad magic, the likelier story.
        this.version = 1;
        fanoutAt = 0;
      }
      const notV1 = (): MetaError =>
        bad(`bad magic 0x${magic.toString(16).padStart(8, '0')} (expected 0xff744f63 "\\377tOc"; not a v1 index either)`);
      const fanout = new Uint32Array(256);
      let prev = 0;
      for (let i = 0; i < 256; i++) {
        const n = head.readUInt32BE(fanoutAt + 4 * i);
        if (n < prev) throw this.version === 1 ? notV1() : bad('non-monotonic fanout');
        fanout[i] = prev = n;
      }
      const count = prev;
      const tables = fanoutAt + 1024;
      if (this.version === 2) {
        const fixed = tables + count * (HASH_LEN + 8) + 2 * HASH_LEN;
        if (size < fixed || (size - fixed) % 8 !== 0) {
          throw bad(`size ${size} does not fit ${count} objects`);
        }
        this.oidTable = tables;
        this.oidStride = HASH_LEN;
        this.offTable = tables + count * (HASH_LEN + 4);
        this.largeTable = this.offTable + count * 4;
        this.largeCount = (size - fixed) / 8;
      } else {
        if (size !== tables + count * (HASH_LEN + 4) + 2 * HASH_LEN) throw notV1();
        this.oidTable = tables + 4;
        this.oidStride = HASH_LEN + 4;
      }
      this.count = count;
      this.idxSize = size;
      this.fanout = fanout;
    } catch (e) {
      this.closeIdx();
      throw e;
    }
  }

  /** `len` bytes of the idx at `pos` (a view of the whole idx, or a positioned read). */
  private idxRead(pos: number, len: number): Buffer {
    if (this.idx) return this.idx.subarray(pos, pos + len);
    return this.readFd(this.idxFd!, pos, len);
  }

  /**
   * The oid-table rows of the entries whose oid starts with byte `b` (entries lo..hi-1): a buffer
   * and the byte position of row `lo` in it. v1 rows carry their 4-byte offset before the oid.
   */
  private bucket(b: number): { lo: number; hi: number; buf: Buffer; base: number } {
    const lo = b === 0 ? 0 : this.fanout![b - 1]!;
    const hi = this.fanout![b]!;
    if (this.idx) return { lo, hi, buf: this.idx, base: this.oidTable + lo * this.oidStride };
    let buf = this.buckets.get(b);
    if (!buf) {
      const lead = this.version === 1 ? 4 : 0;
      buf = this.idxRead(this.oidTable - lead + lo * this.oidStride, (hi - lo) * this.oidStride);
      this.buckets.set(b, buf);
    }
    return { lo, hi, buf, base: this.version === 1 ? 4 : 0 };
  }

  /** The first byte of the oid at sorted index `i` (the fanout bucket holding it). */
  private bucketOf(i: number): number {
    const f = this.fanout!;
    let lo = 0;
    let hi = 255;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (f[mid]! > i) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private closeIdx(): void {
    if (this.idxFd !== undefined) {
      const fd = this.idxFd;
      this.idxFd = undefined;
      this.fs.closeSync(fd);
    }
    this.idx = undefined;
    this.fanout = undefined;
    this.buckets.clear();
    this.offsets.clear();
  }

  /** Number of objects in the pack. */
  size(): number {
    this.loadIdx();
    return this.count;
  }

  /** Hex oid of the i-th (sorted) entry. */
  oidAt(i: number): string {
    this.loadIdx();
    const bk = this.bucket(this.bucketOf(i));
    const at = bk.base + (i - bk.lo) * this.oidStride;
    return bk.buf.toString('hex', at, at + HASH_LEN);
  }

  /** Index of `key` (20 raw bytes) in the sorted oid table, or -1: binary search within its fanout bucket. */
  find(key: Buffer): number {
    this.loadIdx();
    const { lo: first, hi: end, buf, base } = this.bucket(key[0]!);
    // Compared as five big-endian words in JS: a native Buffer#compare per probe cost more than the
    // comparison itself, and a history walk looks up every object it reads.
    const k0 = key.readUInt32BE(0);
    const k1 = key.readUInt32BE(4);
    const k2 = key.readUInt32BE(8);
    const k3 = key.readUInt32BE(12);
    const k4 = key.readUInt32BE(16);
    const stride = this.oidStride;
    let lo = first;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = base + (mid - first) * stride;
      let a = buf.readUInt32BE(at);
      let b = k0;
      if (a === b) {
        a = buf.readUInt32BE(at + 4);
        b = k1;
        if (a === b) {
          a = buf.readUInt32BE(at + 8);
          b = k2;
          if (a === b) {
            a = buf.readUInt32BE(at + 12);
            b = k3;
            if (a === b) {
              a = buf.readUInt32BE(at + 16);
              b = k4;
              if (a === b) return mid;
            }
          }
        }
      }
      if (a < b) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** Pack offset of the i-th entry (v2 offsets with the MSB set index the 8-byte table). */
  offsetAt(i: number): number {
    this.loadIdx();
    if (this.version === 1) {
      const bk = this.bucket(this.bucketOf(i));
      return bk.buf.readUInt32BE(bk.base + (i - bk.lo) * this.oidStride - 4);
    }
    let small: number;
    if (this.idx) small = this.idx.readUInt32BE(this.offTable + 4 * i);
    else {
      const b = this.bucketOf(i);
      const lo = b === 0 ? 0 : this.fanout![b - 1]!;
      let offs = this.offsets.get(b);
      if (!offs) {
        offs = this.idxRead(this.offTable + 4 * lo, 4 * (this.fanout![b]! - lo));
        this.offsets.set(b, offs);
      }
      small = offs.readUInt32BE(4 * (i - lo));
    }
    if ((small & 0x80000000) === 0) return small;
    const j = small & 0x7fffffff;
    if (j >= this.largeCount) {
      throw new MetaError('CORRUPT_RECORD', `corrupt pack index ${this.idxPath}: large offset ${j} out of range`, {
        pack: this.packPath,
        idx: this.idxPath,
      });
    }
    const large = this.idxRead(this.largeTable + 8 * j, 8);
    return large.readUInt32BE(0) * 2 ** 32 + large.readUInt32BE(4);
  }

  /**
   * Opens the pack on first use and checks what is cheap to check: the header, the object count
   * against the idx, and that the pack's trailing checksum is the one the idx was built for.
   * The whole-pack checksum is deliberately not recomputed (that is the cost being avoided).
   */
  private open(): number {
    if (this.fd !== undefined) return this.fd;
    this.loadIdx();
    const fd = this.fs.openSync(this.packPath, 'r');
    try {
      const fileSize = this.fs.fstatSync ? this.fs.fstatSync(fd).size : this.fs.statSync(this.packPath).size;
      if (fileSize < 12 + HASH_LEN) throw this.corrupt(0, `pack file too short (${fileSize} bytes)`);
      const head = this.readFd(fd, 0, 12);
      if (head.toString('latin1', 0, 4) !== 'PACK') throw this.corrupt(0, 'bad pack signature');
      const version = head.readUInt32BE(4);
      if (version !== 2 && version !== 3) throw this.corrupt(0, `unsupported pack version ${version}`);
      const n = head.readUInt32BE(8);
      if (n !== this.count) {
        throw new MetaError('INTEGRITY', `pack ${this.packPath} holds ${n} objects but its idx lists ${this.count}`, {
          pack: this.packPath,
        });
      }
      const trailer = this.readFd(fd, fileSize - HASH_LEN, HASH_LEN);
      const expected = this.idxRead(this.idxSize - 2 * HASH_LEN, HASH_LEN);
      if (!trailer.equals(expected)) {
        throw new MetaError('INTEGRITY', `pack ${this.packPath} does not match its idx (trailing checksum differs)`, {
          pack: this.packPath,
        });
      }
      this.dataEnd = fileSize - HASH_LEN;
    } catch (e) {
      this.fs.closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return fd;
  }

  private readFd(fd: number, pos: number, len: number): Buffer {
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = this.fs.readSync(fd, buf, got, len - got, pos + got);
      if (n <= 0) break;
      got += n;
    }
    return got === len ? buf : buf.subarray(0, got);
  }

  /**
   * Up to `len` bytes of entry data at `pos`, never past the trailing checksum. Reads of up to a
   * block are served from cached blocks: neighbouring entries (a delta chain, the trees of one
   * commit) usually share a block, so a warm reader makes one `readSync` per block instead of
   * one per entry; a read across a block boundary joins the two. The result may be a view into a
   * cached block: callers only read it.
   */
  read(pos: number, len: number): Buffer {
    const fd = this.open();
    const n = Math.max(0, Math.min(len, this.dataEnd - pos));
    if (n === 0 || n > BLOCK) return this.readFd(fd, pos, n);
    const first = Math.floor(pos / BLOCK);
    const at = pos - first * BLOCK;
    const block = this.block(fd, first);
    if (at + n <= block.length) return block.subarray(at, at + n);
    return Buffer.concat([block.subarray(at), this.block(fd, first + 1).subarray(0, at + n - block.length)]);
  }

  private block(fd: number, k: number): Buffer {
    let block = this.blocks.get(k);
    if (!block) {
      const start = k * BLOCK;
      block = this.readFd(fd, start, Math.min(BLOCK, this.dataEnd - start));
      this.blocks.set(k, block);
    }
    return block;
  }

  /** Whether a read window ending at `end` already reaches the end of the pack's entry data. */
  reachesEnd(end: number): boolean {
    this.open();
    return end >= this.dataEnd;
  }

  /** Entry offsets must land inside the data area; anything else is a corrupt idx or delta. */
  checkOffset(offset: number): void {
    this.open();
    if (offset < 12 || offset >= this.dataEnd) throw this.corrupt(offset, 'entry offset outside the pack');
  }

  corrupt(offset: number, why: string, cause?: unknown): MetaError {
    return new MetaError(
      'CORRUPT_RECORD',
      `corrupt pack ${this.packPath} at offset ${offset}: ${why}; run \`git fsck\``,
      { pack: this.packPath, offset },
      cause === undefined ? undefined : { cause },
    );
  }

  close(): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      this.fs.closeSync(fd);
    }
    this.closeIdx();
    this.blocks.clear();
  }
}

/** A parsed entry header, plus the bytes already read so small entries need no second read. */
interface EntryHeader {
  type: number;
  /** Inflated size: of the object, or of the delta for delta entries. */
  size: number;
  /** Pack offset where the zlib stream starts. */
  dataStart: number;
  baseOffset?: number;
  baseOid?: string;
  window: Buffer;
  windowStart: number;
}

interface PendingDelta {
  pack: Pack;
  offset: number;
  delta: Uint8Array;
}

/**
 * The packs of one repository (`<gitdir>/objects/pack/*.idx`), read on demand.
 *
 * Holds one parsed idx and one open fd per pack once used, plus a byte-bounded LRU cache of
 * delta bases, so reading many objects of one deep delta chain does not re-inflate the shared
 * bases. Call `close()` to release the fds.
 *
 * @example
 * const packs = new PackSet(fs, '/srv/meta.git');
 * const obj = packs.read('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
 * if (obj?.type === 'blob') process.stdout.write(obj.data);
 * packs.close();
 */
export class PackSet {
  private packs: Pack[] | undefined;
  /** Index (into `packs`) of the pack that answered the last lookup: consecutive reads cluster. */
  private lastHit = 0;
  private readonly cache: LruCache<number, RawObject>;
  private nextId = 0;
  private readonly freeIds: number[] = [];
  private readonly verifyObjects: boolean;
  private readonly wholeIdxMax: number;
  private readonly resolveExternal: ((oid: string) => RawObject | undefined) | undefined;
  private readonly packDir: string;

  /**
   * Lazily lists `<gitdir>/objects/pack/*.idx`; nothing is read until the first lookup.
   *
   * @example
   * const packs = new PackSet(fs, '.git', { resolveExternal: (oid) => loose.read(oid) });
   */
  constructor(
    private readonly fs: SyncFs,
    private readonly gitdir: string,
    options: PackSetOptions = {},
  ) {
    this.cache = new LruCache(options.cacheBytes ?? 16 * 1024 * 1024, (o) => o.data.length);
    this.verifyObjects = options.verifyObjects ?? true;
    this.wholeIdxMax = options.wholeIdxMax ?? WHOLE_IDX_MAX;
    this.resolveExternal = options.resolveExternal;
    this.packDir = `${(options.objectsDir ?? `${gitdir.replace(/\/+$/, '')}/objects`).replace(/\/+$/, '')}/pack`;
  }

  /**
   * Re-list the pack directory (call after a fetch/gc added packs). Packs still present keep
   * their parsed idx and open fd (pack names are content hashes, so same name means same pack);
   * vanished ones are closed.
   *
   * @example
   * execFileSync('git', ['fetch'], { cwd }); packs.refresh();
   */
  refresh(): void {
    const old = new Map((this.packs ?? []).map((p) => [p.idxPath, p]));
    this.packs = undefined;
    const fresh = this.list(old);
    // Vanished packs are closed and their ids freed for reuse, after one pass purging their cached
    // bases (a merge of fifty packs drops fifty at once).
    const gone = new Set<number>();
    for (const p of old.values()) {
      if (fresh.includes(p)) continue;
      p.close();
      gone.add(p.id);
    }
    if (gone.size > 0) {
      this.cache.deleteWhere((key) => gone.has(Math.floor(key / PACK_KEY_SCALE)));
      this.freeIds.push(...gone);
    }
    this.lastHit = 0;
  }

  private list(reuse?: Map<string, Pack>): Pack[] {
    if (this.packs) return this.packs;
    const dir = this.packDir;
    let names: string[];
    try {
      names = this.fs.readdirSync(dir).map(String);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) names = [];
      else throw e;
    }
    const present = new Set(names);
    const packs: Pack[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith('.idx')) continue;
      const packName = `${name.slice(0, -4)}.pack`;
      // git writes the .pack before the .idx, so an idx without its pack is a half-deleted pack.
      if (!present.has(packName)) continue;
      const idxPath = `${dir}/${name}`;
      packs.push(reuse?.get(idxPath) ?? new Pack(this.freeIds.pop() ?? this.nextId++, this.fs, idxPath, `${dir}/${packName}`, this.wholeIdxMax));
    }
    this.packs = packs;
    return packs;
  }

  /** Finds the pack and offset holding `oid`, most recently hit pack first. */
  private locate(oid: string): { pack: Pack; offset: number } | undefined {
    const packs = this.list();
    if (packs.length === 0) return undefined;
    const key = Buffer.from(oid, 'hex');
    for (let k = 0; k < packs.length; k++) {
      const i = k === 0 ? this.lastHit : k <= this.lastHit ? k - 1 : k;
      const pack = packs[i]!;
      const at = pack.find(key);
      if (at >= 0) {
        this.lastHit = i;
        return { pack, offset: pack.offsetAt(at) };
      }
    }
    return undefined;
  }

  private unsettled(attempts: number, cause: unknown): MetaError {
    return new MetaError('IO', `pack files kept vanishing while reading the repository (a concurrent 'git gc' or 'git repack'?); try again once it has finished`, { attempts }, { cause });
  }

  /** The pack listing as one comparable string (listing it if needed). */
  private listing(): string {
    return this.list().map((p) => p.idxPath).join('\n');
  }

  /**
   * Runs `fn`, and while a pack file vanishes under it (a concurrent `git gc` or `git repack -d`
   * deleted it after we listed it), re-lists the pack directory and runs it again: the objects are
   * then in the new pack. Bounded, with a short growing pause once a retry failed too; a file that
   * is missing although the listing did not change twice in a row is not going to come back.
   * Never lets the raw ENOENT out: it surfaces as `MetaError('IO')`.
   */
  private withRetry<T>(fn: () => T): T {
    let stable = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return fn();
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
        const used = this.listing();
        if (attempt >= PACK_RETRIES) throw this.unsettled(attempt, e);
        // The pause comes before the re-listing, never between a listing and its use.
        if (attempt > 1) sleepSync(backoffMs(attempt - 1, { baseMs: 1, capMs: 32, jitter: true }));
        this.refresh();
        stable = this.listing() === used ? stable + 1 : 0;
        if (stable >= 2) throw this.unsettled(attempt, e);
      }
    }
  }

  /**
   * Whether some pack in the set holds `oid` (idx lookup only; the pack is not opened).
   *
   * @example
   * if (!packs.has(oid)) looseStore.read(oid);
   */
  has(oid: string): boolean {
    const norm = normalizeOid(oid);
    return this.withRetry(() => this.locate(norm) !== undefined);
  }

  /**
   * Returns undefined when no pack holds the oid. Throws MetaError('CORRUPT_RECORD' or
   * 'INTEGRITY') with the pack path on corrupt data.
   *
   * The returned `data` belongs to the caller (never shared with the cache).
   *
   * @example
   * const commit = packs.read(headOid);
   * if (commit?.type === 'commit') console.log(new TextDecoder().decode(commit.data));
   */
  read(oid: string): RawObject | undefined {
    return this.lookup(oid, false);
  }

  /**
   * Like {@link read}, but `data` may be the delta-base cache's own buffer, so the caller must
   * never modify it. Objects are immutable, and a history walk asks for the very objects it just
   * cached as bases (a tree's newer version is the base of the older one): copying them on every
   * hit cost more than everything else in a 100k-commit log-index build.
   *
   * @example
   * const tree = packs.readShared(treeOid); // read it, never write to tree.data
   */
  readShared(oid: string): RawObject | undefined {
    return this.lookup(oid, true);
  }

  private lookup(oid: string, shared: boolean): RawObject | undefined {
    const norm = normalizeOid(oid);
    return this.withRetry(() => {
      let where: { pack: Pack; offset: number } | undefined;
      let obj: RawObject;
      try {
        where = this.locate(norm);
        if (!where) return undefined;
        obj = this.resolve(where.pack, where.offset, shared);
      } catch (e) {
        if (isMetaError(e) && e.data.oid === undefined) e.data.oid = norm;
        throw e;
      }
      if (this.verifyObjects) {
        const actual = objectId(obj.type, obj.data);
        if (actual !== norm) {
          throw new MetaError(
            'INTEGRITY',
            `pack ${where.pack.packPath} at offset ${where.offset} holds ${actual}, not ${norm}; run \`git fsck\``,
            { pack: where.pack.packPath, oid: norm, offset: where.offset, actual },
          );
        }
      }
      return obj;
    });
  }

  /**
   * For enumeration by verify/bench: every oid in every pack (each once, even when two packs
   * hold the same object).
   *
   * @example
   * let n = 0; for (const oid of packs.oids()) n++;
   */
  *oids(): Iterable<string> {
    const packs = this.list();
    const seen = packs.length > 1 ? new Set<string>() : undefined;
    for (const pack of packs) {
      const n = pack.size();
      for (let i = 0; i < n; i++) {
        const oid = pack.oidAt(i);
        if (seen) {
          if (seen.has(oid)) continue;
          seen.add(oid);
        }
        yield oid;
      }
    }
  }

  /**
   * Releases every fd, parsed idx and cached base. The set stays usable: the next lookup
   * re-lists and reopens lazily.
   *
   * @example
   * try { use(packs.read(oid)); } finally { packs.close(); }
   */
  close(): void {
    for (const p of this.packs ?? []) p.close();
    this.packs = undefined;
    this.lastHit = 0;
    this.cache.clear();
    this.nextId = 0;
    this.freeIds.length = 0;
  }

  /**
   * Reconstructs the object at `offset`: walk down the delta chain (collecting inflated deltas)
   * until a full object or a cached base, then apply the deltas back up, caching each
   * intermediate result since it is the base of the next one. Iterative, not recursive: a
   * REF_DELTA base in another pack just moves the walk there, so no chain depth blows the stack.
   */
  private resolve(pack: Pack, offset: number, shared: boolean): RawObject {
    const deltas: PendingDelta[] = [];
    let curPack = pack;
    let curOff = offset;
    let base: RawObject;
    for (;;) {
      const cached = this.cacheGet(curPack, curOff);
      if (cached) {
        // A hit on the requested object itself is copied unless the caller promised not to write.
        base = deltas.length === 0 && !shared ? { type: cached.type, data: cached.data.slice() } : cached;
        break;
      }
      if (deltas.length > MAX_CHAIN) throw curPack.corrupt(curOff, 'delta chain too long (cycle?)');
      const hdr = this.readHeader(curPack, curOff);
      const data = this.inflate(curPack, curOff, hdr);
      const typeName = TYPE_NAMES[hdr.type];
      if (typeName) {
        base = { type: typeName, data };
        if (deltas.length > 0) this.cachePut(curPack, curOff, base);
        break;
      }
      deltas.push({ pack: curPack, offset: curOff, delta: data });
      if (hdr.type === OBJ_OFS_DELTA) {
        curOff = hdr.baseOffset!;
        continue;
      }
      // REF_DELTA: the base is named by oid; git looks in the same pack first, then everywhere.
      const baseOid = hdr.baseOid!;
      const same = curPack.find(Buffer.from(baseOid, 'hex'));
      if (same >= 0) {
        curOff = curPack.offsetAt(same);
        continue;
      }
      const other = this.locate(baseOid);
      if (other) {
        curPack = other.pack;
        curOff = other.offset;
        continue;
      }
      const external = this.resolveExternal?.(baseOid);
      if (!external) {
        throw new MetaError(
          'CORRUPT_RECORD',
          `pack ${curPack.packPath} at offset ${curOff}: delta base ${baseOid} is in no pack and not resolvable externally`,
          { pack: curPack.packPath, offset: curOff, baseOid },
        );
      }
      base = external;
      break;
    }
    for (let i = deltas.length - 1; i >= 0; i--) {
      const d = deltas[i]!;
      let data: Uint8Array;
      try {
        data = applyDelta(base.data, d.delta, MAX_READ_SIZE);
      } catch (e) {
        if (!isMetaError(e)) throw e;
        throw new MetaError(
          'CORRUPT_RECORD',
          `corrupt pack ${d.pack.packPath} at offset ${d.offset}: ${e.message}`,
          { ...e.data, pack: d.pack.packPath, offset: d.offset },
          { cause: e },
        );
      }
      base = { type: base.type, data };
      if (i > 0) this.cachePut(d.pack, d.offset, base);
    }
    return base;
  }

  /** Parses the type+size varint (and the OFS/REF base) of the entry at `offset`. */
  private readHeader(pack: Pack, offset: number): EntryHeader {
    pack.checkOffset(offset);
    const window = pack.read(offset, FIRST_READ);
    let p = 0;
    const next = (): number => {
      if (p >= window.length) throw pack.corrupt(offset, 'truncated entry header');
      return window[p++]!;
    };
    let c = next();
    const type = (c >> 4) & 7;
    let size = c & 15;
    let scale = 16; // multiplication: sizes beyond 2^31 must not wrap
    while (c & 0x80) {
      c = next();
      size += (c & 0x7f) * scale;
      scale *= 128;
      if (scale > 2 ** 53) throw pack.corrupt(offset, 'entry size header too long');
    }
    const hdr: EntryHeader = { type, size, dataStart: 0, window, windowStart: offset };
    if (type === OBJ_OFS_DELTA) {
      // git's offset encoding: big-endian base-128 where each continuation adds 1 before shifting,
      // so every length has its own range and there are no redundant encodings.
      c = next();
      let rel = c & 0x7f;
      while (c & 0x80) {
        c = next();
        rel = (rel + 1) * 128 + (c & 0x7f);
        if (rel > 2 ** 53) throw pack.corrupt(offset, 'delta base offset too long');
      }
      const baseOffset = offset - rel;
      if (rel <= 0 || baseOffset < 12) throw pack.corrupt(offset, `delta base offset ${baseOffset} out of range`);
      hdr.baseOffset = baseOffset;
    } else if (type === OBJ_REF_DELTA) {
      if (p + HASH_LEN > window.length) throw pack.corrupt(offset, 'truncated delta base oid');
      hdr.baseOid = window.toString('hex', p, p + HASH_LEN);
      p += HASH_LEN;
    } else if (!TYPE_NAMES[type]) {
      throw pack.corrupt(offset, `invalid object type ${type}`);
    }
    hdr.dataStart = offset + p;
    return hdr;
  }

  /**
   * Inflates the entry's zlib stream from a bounded window: declared size plus deflate's worst
   * case overhead. Trailing bytes of the next entries are ignored by zlib; a stream longer than
   * the window (a legal but unusual encoder) shows up as truncated input, and we read twice as
   * much and retry.
   */
  private inflate(pack: Pack, offset: number, hdr: EntryHeader): Buffer {
    if (hdr.size > MAX_READ_SIZE) throw pack.corrupt(offset, `entry declares ${hdr.size} bytes, more than can be read`);
    let want = hdr.size + (hdr.size >>> 8) + 64;
    const skip = hdr.dataStart - hdr.windowStart;
    let input: Buffer =
      hdr.window.length - skip >= want || pack.reachesEnd(hdr.windowStart + hdr.window.length)
        ? hdr.window.subarray(skip)
        : pack.read(hdr.dataStart, want);
    for (;;) {
      try {
        return inflateExact(input, hdr.size).data;
      } catch (e) {
        if (!(e instanceof InflateError)) throw e;
        if (e.reason === 'truncated' && !pack.reachesEnd(hdr.dataStart + input.length)) {
          want = Math.max(want, input.length) * 2;
          input = pack.read(hdr.dataStart, want);
          continue;
        }
        throw pack.corrupt(offset, e.message, e);
      }
    }
  }

  private cacheKey(pack: Pack, offset: number): number {
    // A number, not a string: no allocation per lookup. Ids are recycled, so they stay as small as
    // the number of packs open at once (< 2^13) and offsets below 2^40 (1 TiB): inside 2^53.
    return pack.id * PACK_KEY_SCALE + offset;
  }

  private cacheGet(pack: Pack, offset: number): RawObject | undefined {
    return this.cache.get(this.cacheKey(pack, offset));
  }

  private cachePut(pack: Pack, offset: number, obj: RawObject): void {
    this.cache.set(this.cacheKey(pack, offset), obj);
  }
}

/** Blocks for `ms` (a synchronous reader cannot await): only on a retry after a retry failed. */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function normalizeOid(oid: string): string {
  const norm = oid.toLowerCase();
  if (!OID_RE.test(norm)) {
    throw new MetaError('INVALID_ARGUMENT', `not a SHA-1 object id: ${JSON.stringify(oid)}`, { oid });
  }
  return norm;
}



import { MetaError } from '../errors/MetaError.js';
import { readAt, type SyncFs } from './fs.js';

const IDX_MAGIC = 0xff744f63; // "\377tOc"
const HASH_LEN = 20; // SHA-1 repositories only; SHA-256 packs are not supported.
/** An idx up to this size is read whole; a larger one through positioned reads. */
export const WHOLE_IDX_MAX = 1 << 20;

/**
 * Reads one pack's `.idx` (versions 1 and 2) on demand: the sorted oid table searched per lookup,
 * the offsets, and the trailing checksum of the pack it was built for. Nothing is read until the
 * first lookup. A small idx is read whole; a large one (a 100k-record repository has ~1M objects,
 * a 28 MB idx) through positioned reads: the fanout table, then per lookup only the slice of the
 * oid table for the oid's first byte (cached), so a cold `meta resolve binary` reads ~1 MB of it
 * instead of all of it.
 *
 * @example
 * const idx = new PackIndex(fs, `${dir}/pack-1.idx`, `${dir}/pack-1.pack`);
 * const i = idx.find(Buffer.from(oid, 'hex'));
 * if (i >= 0) console.log(idx.offsetAt(i));
 */
export class PackIndex {
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
  private entries = 0;
  private oidTable = 0; // byte offset of the sorted oid table in the idx
  private oidStride = 0; // 20 for v2, 24 for v1 (offset precedes each oid)
  private offTable = 0; // v2: 4-byte offsets table
  private largeTable = 0; // v2: 8-byte large offsets table
  private largeCount = 0;

  constructor(
    private readonly fs: SyncFs,
    readonly idxPath: string,
    /** The pack this idx describes (named in error messages). */
    readonly packPath: string,
    private readonly wholeIdxMax = WHOLE_IDX_MAX,
  ) {}

  /** Parses the idx header on first use (see the class comment). */
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
      this.entries = count;
      this.idxSize = size;
      this.fanout = fanout;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** `len` bytes of the idx at `pos` (a view of the whole idx, or a positioned read). */
  private idxRead(pos: number, len: number): Buffer {
    if (this.idx) return this.idx.subarray(pos, pos + len);
    return readAt(this.fs, this.idxFd!, pos, len);
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

  /** Releases the descriptor and the parsed tables; the next lookup parses the idx again. */
  close(): void {
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
  get count(): number {
    this.loadIdx();
    return this.entries;
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

  /** The pack's trailing checksum this idx was written for (checked against the pack when it is opened). */
  packChecksum(): Buffer {
    this.loadIdx();
    return this.idxRead(this.idxSize - 2 * HASH_LEN, HASH_LEN);
  }
}

import { MetaError, isMetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from './fs.js';
import { objectId, type RawObject } from './gitObjects.js';
import { PackFile } from './PackFile.js';
import { WHOLE_IDX_MAX } from './PackIndex.js';
import { resolveDeltaChain, type DeltaChainContext } from './resolveDeltaChain.js';
import { LruCache } from '../util/LruCache.js';
import { backoffMs } from '../util/pause.js';

const OID_RE = /^[0-9a-f]{40}$/;
/**
 * Attempts at a lookup while pack files vanish under it. A `git repack -ad` loop replaces the pack
 * set every few tens of milliseconds, so one retry is not enough; the listing that a retry finds
 * is usually stable for the next one.
 */
const PACK_RETRIES = 10;
/** Delta-base cache keys are `pack id * PACK_KEY_SCALE + offset`. */
const PACK_KEY_SCALE = 2 ** 40;

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

/**
 * The packs of one repository (`<gitdir>/objects/pack/*.idx`), read on demand.
 *
 * Holds one parsed idx and one open fd per pack once used, plus a byte-bounded LRU cache of
 * delta bases, so reading many objects of one deep delta chain does not re-inflate the shared
 * bases. Call `close()` to release the fds.
 *
 * Why not load the pack: reading and checksumming the *whole* pack on first use costs 0.2–0.8 s
 * and ~140 MB RSS for a 100k-record repository. Here a cold lookup costs one `readFileSync` of the
 * idx (28 bytes per object), a binary search, and a few small `readSync` calls into the pack: the
 * way git itself does it. The parts: PackIndex (one idx), PackFile (the entries of one pack),
 * resolveDeltaChain (deltas, whose bases may lie in another pack), and this set of one object
 * directory's packs. Format references: git's Documentation/gitformat-pack.txt, `packfile.c`,
 * `patch-delta.c`.
 *
 * @example
 * const packs = new PackSet(fs, '/srv/meta.git');
 * const obj = packs.read('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
 * if (obj?.type === 'blob') process.stdout.write(obj.data);
 * packs.close();
 */
export class PackSet {
  private packs: PackFile[] | undefined;
  /** Index (into `packs`) of the pack that answered the last lookup: consecutive reads cluster. */
  private lastHit = 0;
  private readonly cache: LruCache<number, RawObject>;
  private nextId = 0;
  private readonly freeIds: number[] = [];
  private readonly verifyObjects: boolean;
  private readonly wholeIdxMax: number;
  private readonly resolveExternal: ((oid: string) => RawObject | undefined) | undefined;
  private readonly packDir: string;
  private readonly chain: DeltaChainContext = {
    cached: (pack, offset) => this.cacheGet(pack, offset),
    remember: (pack, offset, obj) => this.cachePut(pack, offset, obj),
    locate: (oid) => this.locate(oid),
    external: (oid) => this.resolveExternal?.(oid),
  };

  /**
   * Lazily lists `<gitdir>/objects/pack/*.idx`; nothing is read until the first lookup.
   *
   * @example
   * const packs = new PackSet(fs, '.git', { resolveExternal: (oid) => loose.read(oid) });
   */
  constructor(
    private readonly fs: SyncFs,
    gitdir: string,
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

  private list(reuse?: Map<string, PackFile>): PackFile[] {
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
    const packs: PackFile[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith('.idx')) continue;
      const packName = `${name.slice(0, -4)}.pack`;
      // git writes the .pack before the .idx, so an idx without its pack is a half-deleted pack.
      if (!present.has(packName)) continue;
      const idxPath = `${dir}/${name}`;
      packs.push(reuse?.get(idxPath) ?? new PackFile(this.freeIds.pop() ?? this.nextId++, this.fs, idxPath, `${dir}/${packName}`, this.wholeIdxMax));
    }
    this.packs = packs;
    return packs;
  }

  /** Finds the pack and offset holding `oid`, most recently hit pack first. */
  private locate(oid: string): { pack: PackFile; offset: number } | undefined {
    const packs = this.list();
    if (packs.length === 0) return undefined;
    const key = Buffer.from(oid, 'hex');
    for (let k = 0; k < packs.length; k++) {
      const i = k === 0 ? this.lastHit : k <= this.lastHit ? k - 1 : k;
      const pack = packs[i]!;
      const at = pack.index.find(key);
      if (at >= 0) {
        this.lastHit = i;
        return { pack, offset: pack.index.offsetAt(at) };
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
      let where: { pack: PackFile; offset: number } | undefined;
      let obj: RawObject;
      try {
        where = this.locate(norm);
        if (!where) return undefined;
        obj = resolveDeltaChain(this.chain, where.pack, where.offset, shared);
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
      const n = pack.index.count;
      for (let i = 0; i < n; i++) {
        const oid = pack.index.oidAt(i);
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

  private cacheKey(pack: PackFile, offset: number): number {
    // A number, not a string: no allocation per lookup. Ids are recycled, so they stay as small as
    // the number of packs open at once (< 2^13) and offsets below 2^40 (1 TiB): inside 2^53.
    return pack.id * PACK_KEY_SCALE + offset;
  }

  private cacheGet(pack: PackFile, offset: number): RawObject | undefined {
    return this.cache.get(this.cacheKey(pack, offset));
  }

  private cachePut(pack: PackFile, offset: number, obj: RawObject): void {
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

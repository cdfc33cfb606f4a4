import { deflateSync, inflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { MetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from './fs.js';
import { hashObject, parseCommit, parseTree, type Commit, type ObjectType, type RawObject, type TreeEntry } from './gitObjects.js';
import { PackSet } from './PackSet.js';
import type { ObjectReader } from './ObjectReader.js';
import { LruCache } from '../util/LruCache.js';
import { OwnPacks } from './OwnPacks.js';
import { alternateObjectDirs } from './alternateObjectDirs.js';
import { buildPack } from './writePack.js';
import { writeFileAtomic } from './writeFileAtomic.js';

export interface ObjectStoreOptions {
  /** fsync object files before they are renamed into place (survives power loss): one sync per loose object, two per pack. */
  fsyncObjects?: boolean;
  /** A batch of at least this many new objects is written as one pack instead of loose objects (default 16). */
  packMinObjects?: number;
  /** Merge our own packs once there are more than this many (default 50, git's gc.autoPackLimit). */
  packLimit?: number;
  /** Receives what is worth saying but not failing for (default: `process.emitWarning`). */
  warn?: (message: string) => void;
}

/** One object directory: the repository's own, or an alternate (read-only for us). */
interface ObjectDir {
  /** `<gitdir>/objects`, or an alternate's objects directory as `objects/info/alternates` names it. */
  dir: string;
  packs: PackSet;
}

/** A delta base looked up in another object directory that needs one there too, and so on: bounded. */
const MAX_EXTERNAL_DEPTH = 64;

interface PendingObject {
  type: ObjectType;
  data: Uint8Array;
  /** Header + data, what a loose object deflates. */
  raw: Buffer;
}

/** Default `packMinObjects`: see `ObjectStore.batch`. */
const PACK_MIN_OBJECTS = 16;

/**
 * Reads and writes git objects directly in the git formats: loose objects (deflate + sha-1 + temp
 * file + rename, exactly what git writes) and packed objects through their `.idx` with positioned
 * reads, never loading whole packs. Objects are immutable, so parsed trees and commits are cached
 * here by id instead of being re-parsed and re-inflated on every call.
 *
 * Objects are read from the repository's own object directory and from the alternates that
 * `objects/info/alternates` lists (a `git clone --shared` or `--reference` repository), as git
 * reads them: one path per line, relative to the objects directory holding the file, `#` lines
 * ignored, nested alternates followed up to git's depth of five. Alternates are only ever read:
 * new objects, packs and pack merges happen in the repository's own objects directory.
 */
export class ObjectStore implements ObjectReader {
  readonly fs: SyncFs;
  readonly gitdir: string;
  private readonly own: ObjectDir;
  /** The alternates, read on first need (most repositories have none: one failed open). */
  private alternates: ObjectDir[] | undefined;
  private externalDepth = 0;
  private readonly warned = new Set<string>();
  // Bounded by tree entries rather than trees: a shard folder has hundreds of entries and the root
  // a handful, so a count bound let a log-index build over 10k commits hold ~370 MB of trees.
  private readonly trees = new LruCache<string, TreeEntry[]>(250_000, (t) => t.length + 1);
  private readonly commits = new LruCache<string, Commit>(20_000);
  private readonly known = new Set<string>();
  private readonly fsyncObjects: boolean;
  private readonly madeDirs = new Set<string>();
  private readonly packMinObjects: number;
  /** Objects written inside `batch`, in write order, until it ends. */
  private pending: Map<string, PendingObject> | undefined;
  private warnedConsolidation = false;
  private readonly warn: (message: string) => void;
  private readonly ownPacks: OwnPacks;

  constructor(fs: SyncFs, gitdir: string, options: ObjectStoreOptions = {}) {
    this.fs = fs;
    this.gitdir = gitdir;
    this.fsyncObjects = options.fsyncObjects ?? false;
    this.packMinObjects = options.packMinObjects ?? PACK_MIN_OBJECTS;
    this.ownPacks = new OwnPacks(fs, gitdir, { fsync: this.fsyncObjects, limit: options.packLimit });
    this.warn = options.warn ?? ((m) => process.emitWarning(m, { code: 'META_WARNING' }));
    const dir = `${gitdir}/objects`;
    this.own = { dir, packs: new PackSet(fs, gitdir, { resolveExternal: (oid: string) => this.readExternal(oid, dir) }) };
  }

  private loosePath(oid: string, dir = this.own.dir): string {
    return `${dir}/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  /** Our own object directory, then the alternates. */
  private dirs(): ObjectDir[] {
    const alts = this.alternateDirs();
    return alts.length === 0 ? [this.own] : [this.own, ...alts];
  }

  private alternateDirs(): ObjectDir[] {
    this.alternates ??= this.readAlternates();
    return this.alternates;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }

  private readAlternates(): ObjectDir[] {
    return alternateObjectDirs(this.fs, this.own.dir, (m) => this.warnOnce(m)).map((dir) => ({
      dir,
      packs: new PackSet(this.fs, this.gitdir, { objectsDir: dir, resolveExternal: (oid: string) => this.readExternal(oid, dir) }),
    }));
  }

  /**
   * A REF_DELTA base that the packs of `from` do not hold: loose in any object directory, or in
   * another directory's packs (git looks everywhere too). Bounded, so bases that name each other
   * across directories end as a missing base instead of a stack overflow.
   */
  private readExternal(oid: string, from: string): RawObject | undefined {
    if (this.externalDepth >= MAX_EXTERNAL_DEPTH) return undefined;
    this.externalDepth++;
    try {
      const dirs = this.dirs();
      for (const d of dirs) {
        const loose = this.readLoose(oid, d.dir);
        if (loose) return loose;
      }
      for (const d of dirs) {
        if (d.dir === from) continue;
        const packed = d.packs.readShared(oid);
        if (packed) return packed;
      }
      return undefined;
    } finally {
      this.externalDepth--;
    }
  }

  private readLoose(oid: string, dir = this.own.dir): RawObject | undefined {
    let z: Uint8Array;
    try {
      z = this.fs.readFileSync(this.loosePath(oid, dir)) as Uint8Array;
    } catch (e) {
      // Gone (never there, or just packed and pruned by `git repack -d`): the caller tries the packs.
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
    let raw: Buffer;
    try {
      raw = inflateSync(z);
    } catch (e) {
      throw new MetaError('INTEGRITY', `loose object ${oid} is corrupt (${(e as Error).message}); run 'git fsck --strict' and restore it from a clone`, { oid }, { cause: e });
    }
    const nul = raw.indexOf(0);
    const [type, size] = raw.toString('latin1', 0, nul).split(' ');
    const data = raw.subarray(nul + 1);
    if (Number(size) !== data.length) throw new MetaError('INTEGRITY', `loose object ${oid} has a wrong length`, { oid });
    return { type: type as ObjectType, data };
  }

  /**
   * Reads an object by id, or returns undefined when the repository does not have it. The bytes
   * may be shared with the pack reader's cache (objects are immutable): read them, never write.
   */
  tryRead(oid: string): RawObject | undefined {
    const p = this.pending?.get(oid);
    if (p) return { type: p.type, data: p.data };
    // Packs first, as git does: a lookup in an idx is a binary search in memory, while a missing
    // loose file costs a failed open() and an exception (1 s of a 10k-commit log-index build).
    const packed = this.own.packs.readShared(oid);
    if (packed) return packed;
    const alts = this.alternateDirs();
    for (const a of alts) {
      const p = a.packs.readShared(oid);
      if (p) return p;
    }
    const loose = this.readLoose(oid);
    if (loose) return loose;
    for (const a of alts) {
      const l = this.readLoose(oid, a.dir);
      if (l) return l;
    }
    // Another process (a fetch, a gc, a `git repack -d` that just pruned the loose copy) may have
    // packed it since we listed the packs.
    for (const d of this.dirs()) {
      d.packs.refresh();
      const p = d.packs.readShared(oid);
      if (p) return p;
    }
    return undefined;
  }

  read(oid: string, expected?: ObjectType): RawObject {
    const o = this.tryRead(oid);
    if (!o) throw new MetaError('NOT_FOUND', `object ${oid} is missing from ${this.gitdir}; fetch it again ('meta pull') or restore it from a clone`, { oid });
    if (expected && o.type !== expected) throw new MetaError('INTEGRITY', `object ${oid} is a ${o.type}, expected a ${expected}`, { oid, type: o.type, expected });
    return o;
  }

  /** Whether the repository (or an alternate) has the object; a miss re-lists the packs first. */
  has(oid: string): boolean {
    if (this.known.has(oid) || this.pending?.has(oid)) return true;
    if (this.present(oid, true)) {
      this.known.add(oid);
      return true;
    }
    return false;
  }

  /**
   * Packs, then loose files, in every object directory. With `relist`, a miss re-lists the packs
   * and looks again: `git repack -d` deletes the loose copy only after its new pack is in place.
   */
  private present(oid: string, relist: boolean): boolean {
    const dirs = this.dirs();
    for (const d of dirs) if (d.packs.has(oid)) return true;
    for (const d of dirs) if (this.fs.existsSync(this.loosePath(oid, d.dir))) return true;
    if (!relist) return false;
    for (const d of dirs) {
      d.packs.refresh();
      if (d.packs.has(oid)) return true;
    }
    return false;
  }

  readTree(oid: string): TreeEntry[] {
    let t = this.trees.get(oid);
    if (!t) {
      t = parseTree(this.read(oid, 'tree').data);
      this.trees.set(oid, t);
    }
    return t;
  }

  readCommit(oid: string): Commit {
    let c = this.commits.get(oid);
    if (!c) {
      c = parseCommit(this.read(oid, 'commit').data);
      this.commits.set(oid, c);
    }
    return c;
  }

  /**
   * Writes one object unless it already exists; returns its id. Outside `batch`, as a loose object
   * (the temp file + rename means a reader, or a kill, never sees a half-written object under its
   * final name); inside, it is kept until the batch ends.
   */
  write(type: ObjectType, data: Uint8Array): string {
    const { oid, raw } = hashObject(type, data);
    if (this.pending) {
      if (this.pending.has(oid) || this.onDisk(oid)) return oid;
      // The batch keeps its own copy (`raw` is header + data): a caller may reuse its buffer.
      this.pending.set(oid, { type, data: raw.subarray(raw.length - data.length), raw });
      if (type === 'tree') this.trees.set(oid, parseTree(data));
      return oid;
    }
    if (this.onDisk(oid)) return oid;
    this.writeLoose(oid, raw);
    if (type === 'tree') this.trees.set(oid, parseTree(data));
    return oid;
  }

  /**
   * Runs `fn` (synchronous: no other write may interleave) with its `write`s collected, then
   * stores the new objects: as ONE pack + idx when there are at least `packMinObjects` of them
   * (one fsync each instead of one per object, as git fast-import and receive-pack write what
   * they receive), else loose. Nothing is written when `fn` throws. Our packs are merged once
   * there are too many (see OwnPacks).
   *
   * @example
   * const commit = objects.batch(() => objects.write('commit', encodeCommit({ tree: objects.write('tree', encodeTree([])), parents: [], author, committer: author, message: 'empty' })));
   */
  batch<T>(fn: () => T): T {
    if (this.pending) return fn();
    const objects = new Map<string, PendingObject>();
    this.pending = objects;
    let result: T;
    try {
      result = fn();
    } finally {
      this.pending = undefined;
    }
    this.store(objects);
    return result;
  }

  private store(objects: Map<string, PendingObject>): void {
    if (objects.size < this.packMinObjects) {
      // Trees were cached as they were written into the batch.
      for (const [oid, o] of objects) this.writeLoose(oid, o.raw);
      return;
    }
    // git's order: commits, then trees, then blobs.
    const rank = { commit: 0, tag: 1, tree: 2, blob: 3 } as const;
    const list = [...objects].map(([oid, o]) => ({ oid, type: o.type, data: o.data })).sort((a, b) => rank[a.type] - rank[b.type]);
    this.ownPacks.install(buildPack(list));
    this.own.packs.refresh();
    for (const oid of objects.keys()) this.known.add(oid);
  }

  /**
   * Housekeeping after a write has landed: merges our small packs once there are more than the
   * limit (see OwnPacks). Called after the ref moved, not while an append holds a tip it is about
   * to swap, so a merge never widens a compare-and-swap race. A failure is reported once through
   * `warn`, never thrown: the objects are already safe in the packs it would have merged.
   *
   * @example
   * if (await compareAndSwapRef(fs, gitdir, ref, parent, commit)) objects.maintain();
   */
  maintain(): ReturnType<OwnPacks['consolidate']> {
    try {
      if (!this.ownPacks.needsConsolidation()) return undefined;
      const merged = this.ownPacks.consolidate();
      this.own.packs.refresh();
      return merged;
    } catch (e) {
      if (!this.warnedConsolidation) {
        this.warnedConsolidation = true;
        this.warn(`merging boot-meta's packs in ${this.gitdir}/objects/pack failed (${(e as Error).message}); reads slow down as packs accumulate: run 'git gc'`);
      }
      return undefined;
    }
  }

  /**
   * Asks the disk, not the `known` cache: `git gc --prune` may have removed an unreachable copy
   * we wrote earlier (a lost CAS attempt), and skipping the write would leave a dangling reference.
   * An object an alternate holds is not written again, as git does not. No re-listing on a miss:
   * a needless second copy is harmless, a readdir per new object is not.
   */
  private onDisk(oid: string): boolean {
    return this.present(oid, false);
  }

  private writeLoose(oid: string, raw: Buffer): void {
    const dir = `${this.gitdir}/objects/${oid.slice(0, 2)}`;
    if (!this.madeDirs.has(dir)) {
      this.fs.mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const path = this.loosePath(oid);
    const data = deflateSync(raw, { level: 1 });
    // git's temp name: `git fsck` and `git gc` know `tmp_obj_*` files as an interrupted write's.
    const write = () => writeFileAtomic(this.fs, path, data, { durable: this.fsyncObjects ? 'file' : false, mkdir: false, tmp: `${dir}/tmp_obj_${process.pid}_${randomBytes(6).toString('hex')}` });
    try {
      write();
    } catch (e) {
      if (isErrno(e, 'ENOENT') && !this.fs.existsSync(dir)) {
        // `git gc` removes emptied fan-out directories behind our back: make it again.
        this.fs.mkdirSync(dir, { recursive: true });
        write();
      } else if (!this.fs.existsSync(path)) throw e;
    }
    this.known.add(oid);
  }

  /** Every pack's object ids, alternates' included, each once (verify and benchmarks enumerate with it). */
  *packedOids(): Iterable<string> {
    const dirs = this.dirs();
    if (dirs.length === 1) {
      yield* this.own.packs.oids();
      return;
    }
    const seen = new Set<string>();
    for (const d of dirs) {
      for (const oid of d.packs.oids()) {
        if (seen.has(oid)) continue;
        seen.add(oid);
        yield oid;
      }
    }
  }

  /** Forget the pack listings so packs added by a fetch or gc are seen. */
  refreshPacks(): void {
    this.own.packs.refresh();
    for (const a of this.alternates ?? []) a.packs.refresh();
  }

  close(): void {
    this.own.packs.close();
    for (const a of this.alternates ?? []) a.packs.close();
    // Read again on next use: the file may have changed meanwhile.
    this.alternates = undefined;
  }
}

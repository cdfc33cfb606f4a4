import { deflateSync, inflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { MetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from './fs.js';
import { hashObject, parseCommit, parseTree, type Commit, type ObjectType, type RawObject, type TreeEntry } from './gitObjects.js';
import { PackSet } from './pack.js';
import { LruCache } from '../util/LruCache.js';
import { TreeCache } from './TreeCache.js';

export interface ObjectStoreOptions {
  /** fsync every object file before it is renamed into place (survives power loss, costs a sync per object). */
  fsyncObjects?: boolean;
}

/**
 * Reads and writes git objects directly in the git formats: loose objects (deflate + sha-1 + temp
 * file + rename, exactly what git writes) and packed objects through their `.idx` with positioned
 * reads. isomorphic-git re-parses and re-inflates on every call and loads whole packs; objects are
 * immutable, so parsed trees and commits are cached here by id.
 */
export class ObjectStore {
  readonly fs: SyncFs;
  readonly gitdir: string;
  private readonly packs: PackSet;
  private readonly trees = new TreeCache(250_000);
  private readonly commits = new LruCache<string, Commit>(20_000);
  private readonly known = new Set<string>();
  private readonly fsyncObjects: boolean;
  private readonly madeDirs = new Set<string>();

  constructor(fs: SyncFs, gitdir: string, options: ObjectStoreOptions = {}) {
    this.fs = fs;
    this.gitdir = gitdir;
    this.fsyncObjects = options.fsyncObjects ?? false;
    this.packs = new PackSet(fs, gitdir, { resolveExternal: (oid: string) => this.readLoose(oid) });
  }

  private loosePath(oid: string): string {
    return `${this.gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  private readLoose(oid: string): RawObject | undefined {
    let z: Uint8Array;
    try {
      z = this.fs.readFileSync(this.loosePath(oid)) as Uint8Array;
    } catch (e) {
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

  /** Reads an object by id, or returns undefined when the repository does not have it. */
  tryRead(oid: string): RawObject | undefined {
    // Packs first, as git does: a lookup in an idx is a binary search in memory, while a missing
    // loose file costs a failed open() and an exception (1 s of a 10k-commit log-index build).
    const packed = this.packs.read(oid);
    if (packed) return packed as RawObject;
    const loose = this.readLoose(oid);
    if (loose) return loose;
    // Another process (a fetch, a gc) may have packed it since we listed the packs.
    this.packs.refresh();
    return this.packs.read(oid) as RawObject | undefined;
  }

  read(oid: string, expected?: ObjectType): RawObject {
    const o = this.tryRead(oid);
    if (!o) throw new MetaError('NOT_FOUND', `object ${oid} is missing from ${this.gitdir}; fetch it again ('meta pull') or restore it from a clone`, { oid });
    if (expected && o.type !== expected) throw new MetaError('INTEGRITY', `object ${oid} is a ${o.type}, expected a ${expected}`, { oid, type: o.type, expected });
    return o;
  }

  has(oid: string): boolean {
    if (this.known.has(oid)) return true;
    if (this.packs.has(oid) || this.fs.existsSync(this.loosePath(oid))) {
      this.known.add(oid);
      return true;
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
   * Writes one object as a loose object unless it already exists; returns its id. The temp file +
   * rename means a reader (or a kill) never sees a half-written object under its final name.
   */
  write(type: ObjectType, data: Uint8Array): string {
    const { oid, raw } = hashObject(type, data);
    // Ask the disk, not the `known` cache: `git gc --prune` may have removed an unreachable copy
    // we wrote earlier (a lost CAS attempt), and skipping the write would leave a dangling reference.
    if (this.fs.existsSync(this.loosePath(oid)) || this.packs.has(oid)) return oid;
    const dir = `${this.gitdir}/objects/${oid.slice(0, 2)}`;
    if (!this.madeDirs.has(dir)) {
      this.fs.mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = `${dir}/tmp_obj_${process.pid}_${randomBytes(6).toString('hex')}`;
    let fd: number;
    try {
      fd = this.fs.openSync(tmp, 'wx', 0o644);
    } catch (e) {
      // `git gc` removes emptied fan-out directories behind our back: make it again.
      if (!isErrno(e, 'ENOENT')) throw e;
      this.fs.mkdirSync(dir, { recursive: true });
      fd = this.fs.openSync(tmp, 'wx', 0o644);
    }
    try {
      this.fs.writeSync(fd, deflateSync(raw, { level: 1 }));
      if (this.fsyncObjects) this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
    try {
      this.fs.renameSync(tmp, this.loosePath(oid));
    } catch (e) {
      try { this.fs.unlinkSync(tmp); } catch { /* already gone */ }
      if (!this.fs.existsSync(this.loosePath(oid))) throw e;
    }
    this.known.add(oid);
    if (type === 'tree') this.trees.set(oid, parseTree(data));
    return oid;
  }

  /** Every pack's object ids (verify and benchmarks enumerate with it). */
  packedOids(): Iterable<string> {
    return this.packs.oids();
  }

  /** Forget the pack listing so packs added by a fetch or gc are seen. */
  refreshPacks(): void {
    this.packs.refresh();
  }

  close(): void {
    this.packs.close();
  }
}

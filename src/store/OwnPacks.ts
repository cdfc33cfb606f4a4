import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { fsyncDir, isErrno, readAt, unlinkIfPresent, writeAll, type SyncFs } from './fs.js';
import { installPackFiles } from './installPackFiles.js';
import { parsePackEntryHeader, PACK_TYPE_NAMES } from './packEntryHeader.js';
import { readIdx, writeIdx } from './packIdx.js';
import { packHeader, type BuiltPack } from './writePack.js';
import { clearStaleLock } from './RefLock.js';
import { configBool, parseGitConfig } from './repoFormat.js';

export interface OwnPacksOptions {
  /** fsync a new pack and its idx before they are renamed into place. */
  fsync?: boolean;
  /** Consolidate once more than this many of our packs exist (git's gc.autoPackLimit: 50). */
  limit?: number;
}

/** What `consolidate` did. */
export interface Consolidation {
  /** The new pack's id. */
  id: string;
  /** How many packs went into it (and were deleted). */
  merged: number;
  objects: number;
}

const HOST = hostname();
/** A consolidation lock older than this is a crashed consolidation (one takes seconds at most). */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * The packs boot-meta writes itself (group commits), and their consolidation.
 *
 * Installing follows git (fast-import, index-pack): pack and idx are written under temp names in
 * `objects/pack`, fsynced, then renamed `.pack` first and `.idx` last, so a reader that lists an
 * idx always finds its pack. Each pack we install gets a marker file
 * `<gitdir>/meta-cache/packs/pack-<id>`: consolidation merges and deletes only marked packs, never
 * one that `git gc`, a fetch or anyone else wrote.
 *
 * Many small packs slow every lookup (each one probes each idx), so once more than `limit` of
 * ours exist they are merged, git `repack --geometric=2` style: packs at least twice the size of
 * all smaller ones together stay, the rest become one pack. Our entries are never deltas, so the
 * merge copies compressed entries as they are (no inflate, no deflate). The old packs are deleted
 * only after the merged one is durable and in place, `.idx` before `.pack` as git does; a reader
 * in another process that loses a pack under it re-lists the directory (PackSet's retry) and finds
 * the objects in the merged pack.
 *
 * Git's own rules for deleting packs hold here as they do for `git repack`: a pack with a `.keep`
 * or `.promisor` file is never merged or deleted, a pack a `multi-pack-index` lists is never
 * deleted (git would find the index naming a missing pack), and with `extensions.preciousObjects`
 * set no pack is deleted at all, so no merge happens. A pack excluded for good (kept, or listed in
 * the multi-pack-index) loses its marker: from then on it is git's to maintain, like any other.
 *
 * @example
 * const own = new OwnPacks(fs, gitdir, { fsync: true });
 * own.install(buildPack(objects));
 * if (own.needsConsolidation()) own.consolidate();
 */
export class OwnPacks {
  private readonly packDir: string;
  private readonly markDir: string;
  private readonly lockPath: string;
  private readonly fsync: boolean;
  private precious = false;
  readonly limit: number;

  constructor(private readonly fs: SyncFs, private readonly gitdir: string, opts: OwnPacksOptions = {}) {
    this.packDir = `${gitdir}/objects/pack`;
    this.markDir = `${gitdir}/meta-cache/packs`;
    this.lockPath = `${gitdir}/meta-cache/packs.lock`;
    this.fsync = opts.fsync ?? false;
    this.limit = Math.max(2, opts.limit ?? 50);
  }

  /** Writes a built pack and its idx into `objects/pack` (see the class comment); returns its id. */
  install(built: BuiltPack): string {
    const id = built.checksum.toString('hex');
    const base = `${this.packDir}/pack-${id}`;
    if (!(this.fs.existsSync(`${base}.pack`) && this.fs.existsSync(`${base}.idx`))) {
      this.fs.mkdirSync(this.packDir, { recursive: true });
      this.writeInPlace(id, [built.pack], writeIdx(built.oids, built.offsets, built.crcs, built.checksum), this.fsync);
    }
    // Marked only once in place: a consolidation that saw a marker without its pack would drop it.
    this.mark(id);
    return id;
  }

  /** Ids of our packs present on disk; markers of packs that vanished (`git gc`) are removed. */
  list(): string[] {
    let names: string[];
    try {
      names = this.fs.readdirSync(this.markDir).map(String);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
    const ids: string[] = [];
    for (const name of names) {
      const m = /^pack-([0-9a-f]{40})$/.exec(name);
      if (!m) continue;
      const base = `${this.packDir}/${name}`;
      if (this.fs.existsSync(`${base}.idx`) && this.fs.existsSync(`${base}.pack`)) ids.push(m[1]!);
      else if (!this.fs.existsSync(`${base}.pack`)) this.unlink(`${this.markDir}/${name}`);
    }
    return ids;
  }

  /** Counts markers only (one readdir after each pack we write); `consolidate` checks each pack. */
  needsConsolidation(): boolean {
    if (this.precious) return false;
    try {
      return this.fs.readdirSync(this.markDir).length > this.limit;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return false;
      throw e;
    }
  }

  /**
   * Merges our small packs into one (see the class comment). Returns undefined when there was
   * nothing to do or another process holds the consolidation lock (it is doing the same work).
   */
  consolidate(): Consolidation | undefined {
    if (!this.lock()) return undefined;
    try {
      let ids = this.list();
      if (ids.length <= this.limit) return undefined;
      if (this.preciousObjects()) return undefined;
      const listed = this.midxPacks();
      if (listed === undefined) return undefined;
      ids = ids.filter((id) => {
        if (!listed.has(id) && !this.kept(id)) return true;
        this.unlink(`${this.markDir}/pack-${id}`);
        return false;
      });
      if (ids.length <= this.limit) return undefined;
      const pick = this.pickGeometric(ids);
      if (pick.length < 2) return undefined;
      return this.merge(pick);
    } finally {
      this.unlock();
    }
  }

  /**
   * `extensions.preciousObjects`: git then refuses to delete any pack (`git repack -d` fails), in
   * format version 0 repositories too. A value git could not read counts as set. Once seen, it is
   * remembered: nothing is gained by reading the config again before every merge attempt.
   */
  private preciousObjects(): boolean {
    if (this.precious) return true;
    let v: boolean | undefined = true;
    try {
      const text = this.fs.existsSync(`${this.gitdir}/config`) ? String(this.fs.readFileSync(`${this.gitdir}/config`, 'utf8')) : '';
      const entry = parseGitConfig(text).filter((e) => e.key === 'extensions.preciousobjects').pop(); // the last one wins, as in git
      v = entry ? configBool(entry.value) : false;
    } catch {
      // A config git could not read: keep every pack.
    }
    this.precious = v !== false;
    return this.precious;
  }

  /** Whether git was told to leave the pack alone: a `.keep` (git's own or a user's) or a `.promisor` (partial clone). */
  private kept(id: string): boolean {
    const base = `${this.packDir}/pack-${id}`;
    return this.fs.existsSync(`${base}.keep`) || this.fs.existsSync(`${base}.promisor`);
  }

  /**
   * Ids of the packs `objects/pack/multi-pack-index` lists (empty without one), or undefined when
   * it cannot be told: an index being written (its lock), an incremental chain, or a file this
   * reader does not understand. Only its header, chunk table and pack-name chunk are read.
   */
  private midxPacks(): Set<string> | undefined {
    const path = `${this.packDir}/multi-pack-index`;
    if (this.fs.existsSync(`${path}.lock`) || this.fs.existsSync(`${path}.d`)) return undefined;
    let fd: number;
    try {
      fd = this.fs.openSync(path, 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return new Set();
      throw e;
    }
    try {
      const read = (pos: number, len: number): Buffer => readAt(this.fs, fd, pos, len);
      const head = read(0, 12);
      if (head.length < 12 || head.toString('latin1', 0, 4) !== 'MIDX' || head[7] !== 0) return undefined;
      const chunks = head[6]!;
      const packs = head.readUInt32BE(8);
      const table = read(12, (chunks + 1) * 12);
      if (table.length < (chunks + 1) * 12) return undefined;
      for (let c = 0; c < chunks; c++) {
        if (table.toString('latin1', c * 12, c * 12 + 4) !== 'PNAM') continue;
        const start = Number(table.readBigUInt64BE(c * 12 + 4));
        const end = Number(table.readBigUInt64BE(c * 12 + 16));
        if (end < start || end - start > 64 * 1024 * 1024) return undefined;
        const names = read(start, end - start).toString('latin1').split('\0').filter((x) => x !== '');
        if (names.length < packs) return undefined;
        const ids = new Set<string>();
        for (const name of names.slice(0, packs)) {
          const m = /^pack-([0-9a-f]{40})\.(?:idx|pack)$/.exec(name);
          if (m) ids.add(m[1]!);
        }
        return ids;
      }
      return undefined;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** The smallest packs, up to the first one at least twice the size of all smaller ones together. */
  private pickGeometric(ids: string[]): string[] {
    const sized: { id: string; size: number }[] = [];
    for (const id of ids) {
      try {
        sized.push({ id, size: this.fs.statSync(`${this.packDir}/pack-${id}.pack`).size });
      } catch (e) {
        // A concurrent `git gc`/`repack` took it since we listed the markers.
        if (!isErrno(e, 'ENOENT')) throw e;
      }
    }
    sized.sort((a, b) => a.size - b.size);
    const prefix: number[] = [0];
    for (const p of sized) prefix.push(prefix[prefix.length - 1]! + p.size);
    let keepFrom = sized.length;
    while (keepFrom > 0 && sized[keepFrom - 1]!.size >= 2 * prefix[keepFrom - 1]!) keepFrom--;
    return sized.slice(0, keepFrom).map((p) => p.id);
  }

  private merge(ids: string[]): Consolidation | undefined {
    const seen = new Set<string>();
    const oids: string[] = [];
    const offsets: number[] = [];
    const crcs: number[] = [];
    const chunks: Buffer[] = [];
    const used: string[] = [];
    let pos = 12;
    for (const id of ids) {
      const base = `${this.packDir}/pack-${id}`;
      let idx: ReturnType<typeof readIdx>;
      let pack: Buffer;
      try {
        idx = readIdx(Buffer.from(this.fs.readFileSync(`${base}.idx`)));
        pack = Buffer.from(this.fs.readFileSync(`${base}.pack`));
      } catch (e) {
        // A concurrent `git gc`/`repack` took it: its objects are in git's new pack.
        if (isErrno(e, 'ENOENT')) continue;
        throw e;
      }
      if (!pack.subarray(pack.length - 20).equals(idx.packChecksum)) continue;
      const order = Array.from(idx.oids.keys()).sort((a, b) => idx.offsets[a]! - idx.offsets[b]!);
      const slices: { k: number; start: number; end: number }[] = [];
      let deltas = false;
      for (let j = 0; j < order.length; j++) {
        const k = order[j]!;
        const start = idx.offsets[k]!;
        const end = j + 1 < order.length ? idx.offsets[order[j + 1]!]! : pack.length - 20;
        // A delta's base reference depends on where it sits: only whole objects copy as they are.
        if (!isWholeObject(pack, start, end)) deltas = true;
        slices.push({ k, start, end });
      }
      if (deltas) continue;
      used.push(id);
      for (const s of slices) {
        const oid = idx.oids[s.k]!;
        if (seen.has(oid)) continue;
        seen.add(oid);
        oids.push(oid);
        offsets.push(pos);
        crcs.push(idx.crcs[s.k]!);
        chunks.push(pack.subarray(s.start, s.end));
        pos += s.end - s.start;
      }
    }
    // Packs that vanished or could not be copied leave fewer than two: nothing to merge.
    if (used.length < 2) return undefined;
    const header = packHeader(oids.length);
    const h = createHash('sha1').update(header);
    for (const c of chunks) h.update(c);
    const checksum = h.digest();
    const id = checksum.toString('hex');
    // Always durable, whatever fsyncObjects says: the packs it replaces are about to be deleted.
    this.writeInPlace(id, [header, ...chunks, checksum], writeIdx(oids, offsets, crcs, checksum), true);
    this.mark(id);
    // The merged pack's names must be on disk before the only other copies are deleted.
    fsyncDir(this.fs, this.packDir);
    // Asked again now: a `.keep` or a multi-pack-index may have appeared while we merged. A pack
    // spared here is only a second copy of objects the merged pack holds too.
    const listed = this.midxPacks();
    for (const old of used) {
      if (old === id) continue;
      if (listed === undefined) continue;
      if (listed.has(old) || this.kept(old)) {
        this.unlink(`${this.markDir}/pack-${old}`);
        continue;
      }
      const base = `${this.packDir}/pack-${old}`;
      // git's order (`unlink_pack_path`): the idx first, so no reader lists a pack without its data.
      for (const ext of ['idx', 'pack', 'rev', 'bitmap', 'mtimes']) this.unlink(`${base}.${ext}`);
      this.unlink(`${this.markDir}/pack-${old}`);
    }
    return { id, merged: used.length, objects: oids.length };
  }

  /** The pack under a temp name, then `.pack` and `.idx` moved into place in that order. */
  private writeInPlace(id: string, pack: Buffer[], idx: Buffer, fsync: boolean): void {
    const tmpPack = `${this.packDir}/tmp_pack_meta_${process.pid}_${randomBytes(6).toString('hex')}`;
    try {
      const fd = this.fs.openSync(tmpPack, 'wx', 0o644);
      try {
        for (const c of pack) writeAll(this.fs, fd, c);
      } finally {
        this.fs.closeSync(fd);
      }
    } catch (e) {
      this.unlink(tmpPack);
      throw e;
    }
    installPackFiles(this.fs, this.packDir, id, tmpPack, idx, { fsync });
  }

  private mark(id: string): void {
    this.fs.mkdirSync(this.markDir, { recursive: true });
    this.fs.writeFileSync(`${this.markDir}/pack-${id}`, '');
  }

  private lock(): boolean {
    this.fs.mkdirSync(this.markDir, { recursive: true });
    for (let tries = 0; tries < 2; tries++) {
      try {
        const fd = this.fs.openSync(this.lockPath, 'wx', 0o644);
        try {
          this.fs.writeSync(fd, `meta-lock ${process.pid}@${HOST}\n`);
        } finally {
          this.fs.closeSync(fd);
        }
        return true;
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
        // A lock of a killed merge is cleared at once (its owner is dead), a foreign one when old.
        if (!clearStaleLock(this.fs, this.lockPath, STALE_LOCK_MS)) return false;
      }
    }
    return false;
  }

  private unlock(): void {
    this.unlink(this.lockPath);
  }

  private unlink(path: string): void {
    unlinkIfPresent(this.fs, path);
  }
}

/** Whether the entry at `start` (ending at `end`) of a pack is a whole object, not a delta. */
function isWholeObject(pack: Buffer, start: number, end: number): boolean {
  try {
    return PACK_TYPE_NAMES[parsePackEntryHeader(pack.subarray(start, end), start).type] !== undefined;
  } catch {
    return false;
  }
}

import { isMetaError, MetaError } from '../errors/MetaError.js';
import { isSingleParentAncestor } from './ancestry.js';
import { assertRepoPath } from './assertRepoPath.js';
import { isErrno, unlinkIfPresent, type SyncFs } from './fs.js';
import { ObjectHistoryWalk } from './ObjectHistoryWalk.js';
import { ObjectStore } from './ObjectStore.js';
import { Snapshot, findEntry } from './Snapshot.js';
import { compareAndSwapRef, setRef, type RefUpdateOptions } from './RefLock.js';
import { clip, headTarget, isFullRefName, readRef, readRegularFile } from './refs.js';
import { checkRepositoryFormat } from './repoFormat.js';
import { encodeCommit, encodeTree, personFromActor, type Commit, type RawObject, type TreeEntry, type TreeMode } from './gitObjects.js';
import { LogIndex } from './LogIndex.js';
import type { AppendOptions, AppendPlanner, AppendResult, HistoryWalk, PackDestination, RefFiles, StoreTransport } from './Repository.js';
import { resolveAtSpec } from './resolveAtSpec.js';
import { FsStateDir, type StateDir } from './StateDir.js';
import { writeFileAtomic } from './writeFileAtomic.js';
import { backoffMs, pause } from '../util/pause.js';

export type { AppendFile, AppendOptions, AppendPlan, AppendPlanner, AppendResult } from './Repository.js';

export interface StoreOptions {
  fs: SyncFs;
  /** The repository directory: a bare repository (a checkout with a working tree is refused). */
  dir: string;
  /** fsync objects as well as the ref (power-loss durability); the ref is always fsynced. */
  fsyncObjects?: boolean;
  /** An append of at least this many new objects is written as one pack (default 16; see ObjectStore.batch). */
  packMinObjects?: number;
  /** Merge the packs boot-meta wrote once there are more than this many (default 50). */
  packLimit?: number;
  /** Receives warnings (a failed pack merge); default `process.emitWarning`. */
  warn?: (message: string) => void;
}

function exists(fs: SyncFs, path: string): boolean {
  try {
    if (fs.lstatSync) fs.lstatSync(path);
    else fs.statSync(path);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
}

function isDir(fs: SyncFs, path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
}

const STATE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * A git repository used as an append-only record store: the implementation of {@link Repository}
 * (and of the transport face the remote code uses). Writes never touch an index or a working
 * tree: blobs, then only the trees along the changed paths, then a commit, then a compare-and-swap
 * of the branch ref. Any commit id is a consistent snapshot. Every file goes through `fs`.
 *
 * @example
 * const store = Store.init({ fs, dir: '/tmp/meta' });
 * await store.append(() => ({ files: [{ path: 'a/b.pb', data }], message: 'add b' }), { actor: 'ci' });
 * store.snapshot().read('a/b.pb');
 */
export class Store implements StoreTransport {
  readonly fs: SyncFs;
  readonly dir: string;
  readonly objects: ObjectStore;
  private logIndex?: LogIndex;

  private constructor(fs: SyncFs, dir: string, opts: StoreOptions) {
    this.fs = fs;
    this.dir = dir;
    this.objects = new ObjectStore(fs, dir, { fsyncObjects: opts.fsyncObjects ?? false, packMinObjects: opts.packMinObjects, packLimit: opts.packLimit, warn: opts.warn });
  }

  /**
   * Opens an existing bare repository. Refused with NOT_A_META_REPO, before anything is written:
   * a directory with a `.git` inside (an application checkout: its branch is not ours to commit
   * to), a git directory whose config does not say `core.bare = true`, a repository format or
   * extension boot-meta does not implement (SHA-256, reftable, …; see repoFormat.ts), and a HEAD
   * that is not a symbolic ref to a valid branch. Whether the repository holds meta records is
   * the caller's check (openMeta). Messages name the directory as `opts.label` (default `dir`).
   */
  static open(opts: StoreOptions & { label?: string }): Store {
    const { fs, dir } = opts;
    const dirClean = dir.replace(/\/+$/, '') || '/';
    const where = opts.label ?? dirClean;
    const useRepo = "pass --repo <dir> (or set META_REPO) naming a meta repository made by 'meta init' or 'meta clone'";
    if (exists(fs, `${dirClean}/.git`)) {
      throw new MetaError('NOT_A_META_REPO', `found a git repository with a working tree in ${where}, not a meta repository: boot-meta writes only to the bare repositories 'meta init' and 'meta clone' make; ${useRepo}`, { dir: where, found: 'working-tree' });
    }
    if (!isDir(fs, `${dirClean}/objects`) || !exists(fs, `${dirClean}/HEAD`)) {
      throw new MetaError('NOT_A_META_REPO', `no meta repository in ${where}: create one with 'meta init <dir>' or 'meta clone <url> <dir>', or ${useRepo}`, { dir: where, found: 'nothing' });
    }
    let config: string | undefined;
    try {
      config = readRegularFile(fs, `${dirClean}/config`, 'config', 1024 * 1024)?.toString('utf8');
    } catch (e) {
      if (!isMetaError(e)) throw e;
      throw new MetaError('NOT_A_META_REPO', `the git config of the repository in ${where} is not a regular file of at most 1 MiB; ${useRepo}`, { dir: where, found: 'bad-config' });
    }
    const format = checkRepositoryFormat(config, where);
    if (format.bare !== true) {
      const tree = format.bare === false || dirClean.endsWith('/.git');
      throw new MetaError('NOT_A_META_REPO', tree
        ? `found the git directory of a repository with a working tree in ${where}, not a meta repository: boot-meta writes only to the bare repositories 'meta init' and 'meta clone' make; ${useRepo}`
        : `found a git directory in ${where} whose config does not say core.bare = true, so 'meta init' and 'meta clone' did not make it; ${useRepo}`, { dir: where, found: tree ? 'working-tree' : 'not-bare' });
    }
    try {
      headTarget(fs, dirClean);
    } catch (e) {
      if (!isMetaError(e)) throw e;
      throw new MetaError('NOT_A_META_REPO', `the repository in ${where} has a HEAD that is not a symbolic ref to a valid branch (refs/heads/<name>), so 'meta init' and 'meta clone' did not make it; ${useRepo}`, { dir: where, found: 'bad-head' });
    }
    return new Store(fs, dirClean, opts);
  }

  /**
   * Refuses a directory `meta init` or `meta clone` cannot create a repository in: one that exists
   * and is not an empty directory. An empty directory (or none) is fine: the command makes the
   * repository there.
   */
  static assertInitTarget(fs: SyncFs, dir: string): void {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return;
      if (isErrno(e, 'ENOTDIR')) throw new MetaError('ALREADY_EXISTS', `${dir} exists and is not a directory; choose a new directory for the meta repository`, { dir });
      throw e;
    }
    if (entries.length > 0) {
      throw new MetaError('ALREADY_EXISTS', `${dir} exists and is not empty; choose a new directory for the meta repository`, { dir });
    }
  }

  /** Creates an empty bare repository (no working tree: writes never go through one). */
  static init(opts: StoreOptions & { branch?: string }): Store {
    const { fs, dir } = opts;
    const branch = opts.branch ?? 'main';
    // HEAD names the branch every write goes to; a name git refuses could point out of refs/.
    if (!isFullRefName(`refs/heads/${branch}`)) {
      throw new MetaError('INVALID_NAME', `'${clip(branch)}' is not a valid branch name (see 'git help check-ref-format')`, { branch: clip(branch) });
    }
    Store.assertInitTarget(fs, dir);
    for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) fs.mkdirSync(`${dir}/${d}`, { recursive: true });
    fs.writeFileSync(`${dir}/HEAD`, `ref: refs/heads/${branch}\n`);
    fs.writeFileSync(`${dir}/config`, '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
    fs.writeFileSync(`${dir}/description`, 'boot-meta repository\n');
    return new Store(fs, dir, opts);
  }

  /** The branch ref writes go to (what HEAD points at). */
  get branchRef(): string {
    return headTarget(this.fs, this.dir);
  }

  /** The tip commit, or undefined for a repository with no commits yet. */
  tip(): string | undefined {
    return readRef(this.fs, this.dir, this.branchRef);
  }

  /** A snapshot at a commit id (default: the tip). */
  snapshot(commit: string | undefined = this.tip()): Snapshot {
    if (!commit) return new Snapshot(this.objects, undefined, undefined);
    return new Snapshot(this.objects, commit, this.objects.readCommit(commit).tree);
  }

  resolveAt(spec?: string): string {
    return resolveAtSpec(this, spec);
  }

  /** The derived, cached index of the branch's first-parent history (what each commit added, when). */
  log(): LogIndex {
    this.logIndex ??= new LogIndex(this.objects, () => this.tip(), this.stateDir('meta-cache').dir('log-v2'));
    return this.logIndex;
  }

  async append(plan: AppendPlanner, opts: AppendOptions): Promise<AppendResult> {
    const maxAttempts = opts.maxAttempts ?? 100;
    const ref = this.branchRef;
    for (let attempt = 1; ; attempt++) {
      const parent = readRef(this.fs, this.dir, ref);
      const built = await this.commitOn(parent, plan, opts);
      if (await compareAndSwapRef(this.fs, this.dir, ref, parent, built.commit, opts)) {
        this.objects.maintain();
        return { ...built, attempts: attempt };
      }
      if (attempt >= maxAttempts) {
        throw new MetaError('CONFLICT', `the branch kept moving under ${attempt} attempts to append; try again`, { attempts: attempt });
      }
      await pause(backoffMs(attempt + 1, { baseMs: 1, capMs: 50, jitter: true }));
    }
  }

  /**
   * Writes the objects of one commit on `parent` (blobs, changed trees, commit) without moving any
   * ref: `append` CASes the branch to it; a remote push sends it first and moves the branch only
   * once the remote accepted it.
   */
  async commitOn(parent: string | undefined, plan: AppendPlanner, opts: Pick<AppendOptions, 'actor' | 'time'>): Promise<Omit<AppendResult, 'attempts'>> {
    const snap = this.snapshot(parent);
    const p = await plan(snap);
    if (p.files.length === 0) throw new MetaError('INTERNAL', 'nothing to append', {});
    const seen = new Set<string>();
    for (const f of p.files) {
      if (seen.has(f.path)) throw new MetaError('INVALID_ARGUMENT', `${f.path} is given twice in one append`, { path: f.path });
      seen.add(f.path);
    }
    // One batch: a group commit's objects land as one pack (one fsync, not one per object), and
    // nothing is written when the plan clashes with the tree.
    return this.objects.batch(() => {
      const files = p.files.map((f) => ({ ...f, oid: this.objects.write('blob', f.data), parts: assertRepoPath(f.path) }));
      const tree = this.writeTreeWith(snap.tree, files.map((f) => ({ parts: f.parts, oid: f.oid, replace: f.replace === true, path: f.path, mode: (f.executable ? '100755' : '100644') as TreeMode })));
      const when = typeof opts.time === 'function' ? opts.time() : opts.time ?? new Date();
      const person = personFromActor(opts.actor, when);
      const commit = this.objects.write('commit', encodeCommit({ tree, parents: parent ? [parent] : [], author: person, committer: person, message: p.message }));
      return { commit, parent, files: files.map((f) => ({ path: f.path, oid: f.oid })), plan: p };
    });
  }

  /** Writes the trees along the changed paths only; every untouched subtree is reused by id. */
  private writeTreeWith(base: string | undefined, adds: { parts: string[]; oid: string; replace: boolean; path: string; mode: TreeMode }[], depth = 0): string {
    const entries: TreeEntry[] = base ? [...this.objects.readTree(base)] : [];
    const groups = new Map<string, typeof adds>();
    for (const a of adds) {
      const name = a.parts[depth]!;
      if (a.parts.length === depth + 1) {
        const existing = findEntry(entries, name);
        if (existing) {
          if (!a.replace || existing.mode === '40000') {
            throw new MetaError('ALREADY_EXISTS', `${a.path} already exists; records are immutable, so write a new record instead of changing this one`, { path: a.path });
          }
          entries.splice(entries.indexOf(existing), 1);
        }
        entries.push({ mode: a.mode, name, oid: a.oid });
        groups.set(name, []);
      } else {
        let g = groups.get(name);
        if (!g) groups.set(name, (g = []));
        g.push(a);
      }
    }
    for (const [name, sub] of groups) {
      if (sub.length === 0) continue;
      const existing = findEntry(entries, name);
      if (existing && existing.mode !== '40000') {
        throw new MetaError('ALREADY_EXISTS', `${sub[0]!.parts.slice(0, depth + 1).join('/')} is a file, so ${sub[0]!.path} cannot be created below it`, { path: sub[0]!.path });
      }
      const oid = this.writeTreeWith(existing?.oid, sub, depth + 1);
      if (existing) entries.splice(entries.indexOf(existing), 1);
      entries.push({ mode: '40000' as TreeMode, name, oid });
    }
    return this.objects.write('tree', encodeTree(entries));
  }

  hasObject(oid: string): boolean {
    return this.objects.has(oid);
  }

  readObject(oid: string): RawObject | undefined {
    return this.objects.tryRead(oid);
  }

  readCommit(oid: string): Commit {
    return this.objects.readCommit(oid);
  }

  isSingleParentAncestor(ancestor: string, descendant: string): boolean {
    return isSingleParentAncestor(this.objects, ancestor, descendant);
  }

  walkHistory(): HistoryWalk {
    return new ObjectHistoryWalk(this.objects);
  }

  shallowCommits(): ReadonlySet<string> {
    let text: string;
    try {
      text = this.fs.readFileSync(`${this.dir}/shallow`, 'utf8');
    } catch {
      return new Set();
    }
    return new Set(text.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{40}$/.test(l)));
  }

  setShallow(commits: readonly string[]): void {
    const path = `${this.dir}/shallow`;
    if (commits.length === 0) unlinkIfPresent(this.fs, path);
    else writeFileAtomic(this.fs, path, `${commits.join('\n')}\n`);
  }

  readConfig(): string {
    try {
      return this.fs.readFileSync(`${this.dir}/config`, 'utf8');
    } catch {
      return '';
    }
  }

  writeConfig(text: string): void {
    writeFileAtomic(this.fs, `${this.dir}/config`, text);
  }

  stateDir(name: string): StateDir {
    if (!STATE_NAME.test(name) || name === 'objects' || name === 'refs' || name === 'hooks') {
      throw new MetaError('INVALID_NAME', `'${clip(name)}' is not a state directory name (lower-case letters, digits and '-', not one of git's own)`, { name: clip(name) });
    }
    return new FsStateDir(this.fs, `${this.dir}/${name}`);
  }

  refFiles(): RefFiles | undefined {
    if (this.fs.disk !== true) return undefined;
    const g = this.dir;
    return { dir: g, affectsTip: (p) => p === g || p === `${g}/HEAD` || p === `${g}/packed-refs` || p === `${g}/refs` || p.startsWith(`${g}/refs/`) };
  }

  transport(): StoreTransport {
    return this;
  }

  readRef(name: string): string | undefined {
    return readRef(this.fs, this.dir, name);
  }

  compareAndSwapRef(ref: string, expected: string | undefined, next: string, opts?: RefUpdateOptions): Promise<boolean> {
    return compareAndSwapRef(this.fs, this.dir, ref, expected, next, opts);
  }

  setRef(ref: string, next: string | undefined, opts?: RefUpdateOptions): Promise<void> {
    return setRef(this.fs, this.dir, ref, next, opts);
  }

  packDestination(): PackDestination {
    return { fs: this.fs, dir: `${this.dir}/objects/pack` };
  }

  refreshPacks(): void {
    this.objects.refreshPacks();
  }

  close(): void {
    this.objects.close();
  }
}

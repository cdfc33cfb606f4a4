import type { SyncFs } from './fs.js';
import type { Commit, RawObject } from './gitObjects.js';
import type { LogQueries } from './LogIndex.js';
import type { ObjectReader } from './ObjectReader.js';
import type { RefUpdateOptions } from './RefLock.js';
import type { Snapshot } from './Snapshot.js';
import type { StateDir } from './StateDir.js';
import type { Change } from './diffTrees.js';

/*
 * The repository contract: what every caller above the store works with (the API, the server,
 * the follower, the watchers, verify), and the transport face the remote code (fetch, push,
 * clone) moves objects and refs through. The store implements both; a test runs one contract
 * suite against it on disk and in memory.
 */

export interface AppendFile {
  /** Slash-separated path inside the repository. */
  path: string;
  data: Uint8Array;
  /** Allows replacing an existing file: only for the fixed list of repository settings files. */
  replace?: boolean;
  /** Written with mode 100755 (scripts such as hooks/pre-receive). */
  executable?: boolean;
}

export interface AppendPlan {
  files: AppendFile[];
  message: string;
}

/**
 * Plans one commit on the snapshot it is given (the current tip). It may be called again on a
 * newer tip when another writer won, so it must derive everything from that snapshot. A plan
 * that finds nothing to write throws `NothingToWrite`.
 */
export type AppendPlanner = (snap: Snapshot) => AppendPlan | Promise<AppendPlan>;

export interface AppendOptions extends RefUpdateOptions {
  actor: string;
  /** Commit time (defaults to now); a function is called per attempt, after the plan ran. */
  time?: Date | (() => Date);
  /** How many times to re-plan when another writer moved the branch first. */
  maxAttempts?: number;
}

export interface AppendResult {
  commit: string;
  parent: string | undefined;
  files: { path: string; oid: string }[];
  attempts: number;
  /** The plan that landed (re-planned on the tip that won, so it may differ from the first try). */
  plan: AppendPlan;
}

/**
 * A walk over history that reads git objects only (never a derived cache), for checks that must
 * not trust anything else: `verify`. Trees are compared on their raw bytes, and the trees of the
 * last few commits are kept, so a walk of the whole history costs O(commits × depth).
 *
 * @example
 * const walk = repository.walkHistory();
 * const c = walk.commit(tip)!;
 * const changes: Change[] = [];
 * walk.diff(c.parents[0] ? walk.commit(c.parents[0])?.tree : undefined, c.tree, changes);
 */
export interface HistoryWalk {
  /** The commit parsed from its bytes (not cached), or undefined when it is missing; INTEGRITY when `oid` is not a commit. */
  commit(oid: string): Commit | undefined;
  /** Appends to `out` the file changes from tree `from` to tree `to`; NOT_FOUND (with `data.oid`) for a missing tree. */
  diff(from: string | undefined, to: string | undefined, out: Change[]): void;
  /** The blob or tree id at `path` below the tree `root`, or undefined. */
  entry(root: string, path: string): string | undefined;
  has(oid: string): boolean;
  tryRead(oid: string): RawObject | undefined;
  read(oid: string, expected?: RawObject['type']): RawObject;
}

/** Where the files that name the tip live on the disk, for a file watcher. */
export interface RefFiles {
  /** The directory to watch. */
  dir: string;
  /** Whether a changed path below `dir` can move the tip (HEAD, packed-refs, refs/…). */
  affectsTip(path: string): boolean;
}

/**
 * An open meta repository, as everything above the store sees it: snapshots at commits, appends
 * by compare-and-swap, the log index, ancestry, derived per-repository state. How objects, packs
 * and refs are stored is the store's business.
 *
 * @example
 * const repo = openMeta({ dir: '/srv/meta' }).store;
 * await repo.append((snap) => ({ files: [{ path: 'log/2026/01/01/a.pb', data }], message: 'log a' }), { actor: 'ci' });
 * repo.snapshot(repo.resolveAt('main~1')).read('meta.yaml');
 */
export interface Repository {
  /** The repository directory on its file system (a bare repository: the git directory itself). */
  readonly dir: string;
  /** The branch every write goes to: what HEAD names (`refs/heads/main`). */
  readonly branchRef: string;

  /** The tip commit, or undefined for a repository with no commits yet. */
  tip(): string | undefined;
  /** The repository as of `commit` (default: the tip): every read of one answer goes through one. */
  snapshot(commit?: string): Snapshot;
  /**
   * Resolves what `--at` accepts to a commit: a full or short commit hash, a ref (`main`, `v1`,
   * `refs/…`, optionally `~N`), or an ISO-8601 date/time (the newest commit at or before it).
   */
  resolveAt(spec?: string): string;
  /**
   * Appends files in one new commit, by compare-and-swap of the branch: `plan` sees the current
   * tip, and when another writer moved the branch first it is called again on the new tip (so
   * callers that number things re-number instead of overwriting), up to `maxAttempts` (CONFLICT).
   */
  append(plan: AppendPlanner, opts: AppendOptions): Promise<AppendResult>;
  /** The derived, cached index of the branch's first-parent history. */
  log(): LogQueries;

  /** Whether the repository has the object. */
  hasObject(oid: string): boolean;
  /** An object by id, or undefined when the repository does not have it. */
  readObject(oid: string): RawObject | undefined;
  /** A parsed commit; NOT_FOUND when missing. */
  readCommit(oid: string): Commit;
  /**
   * Whether `ancestor` is `descendant` or lies on its single-parent chain (a merge, a root or a
   * missing commit on the way ends the walk with false): the one meaning of "descends from".
   */
  isSingleParentAncestor(ancestor: string, descendant: string): boolean;
  /** A history walk over the git objects alone (see {@link HistoryWalk}). */
  walkHistory(): HistoryWalk;
  /** The commits git lists in `shallow`: the only ones whose parents may be absent. */
  shallowCommits(): ReadonlySet<string>;
  /** The repository's git config text ('' without one). */
  readConfig(): string;

  /**
   * A directory for state derived from this repository and kept beside it, outside its content
   * (caches, webhook cursors and delivery logs): `name` is one segment, such as `meta-cache`.
   */
  stateDir(name: string): StateDir;
  /** Where the tip's files are, for a file watcher; undefined when the repository is not on the disk (poll it instead). */
  refFiles(): RefFiles | undefined;
  /** The face fetch, push and clone work through (the remote module); no other caller needs it. */
  transport(): StoreTransport;
  /** Releases open files; the repository stays usable (they are reopened on demand). */
  close(): void;
}

/** Where a received pack is written: the repository's file system and its `objects/pack`. */
export interface PackDestination {
  fs: SyncFs;
  dir: string;
}

/**
 * What the remote code needs beyond {@link Repository} to fetch and push: objects, refs under
 * git's lock, commits written without moving the branch, the pack directory, the shallow list
 * and the config (remotes live there).
 *
 * @example
 * const t = repo.store.transport();
 * if (await t.compareAndSwapRef(t.branchRef, local, remoteTip)) console.log('fast-forwarded');
 */
export interface StoreTransport extends Repository {
  readonly objects: ObjectReader;
  /** A ref's value (`HEAD` or a full `refs/…` name), following symbolic refs; undefined when absent. */
  readRef(name: string): string | undefined;
  /** Moves `ref` from `expected` to `next` under git's lock; false when it held something else. */
  compareAndSwapRef(ref: string, expected: string | undefined, next: string, opts?: RefUpdateOptions): Promise<boolean>;
  /** Sets `ref` (or deletes it: undefined) under git's lock, whatever it held: for refs that are hints. */
  setRef(ref: string, next: string | undefined, opts?: RefUpdateOptions): Promise<void>;
  /** Writes the objects of one commit on `parent` without moving any ref. */
  commitOn(parent: string | undefined, plan: AppendPlanner, opts: Pick<AppendOptions, 'actor' | 'time'>): Promise<Omit<AppendResult, 'attempts'>>;
  /** Where a received pack goes; call `refreshPacks` once it is in place. */
  packDestination(): PackDestination;
  /** Makes packs added since the last listing visible. */
  refreshPacks(): void;
  /** Replaces the `shallow` list (empty: removes the file). */
  setShallow(commits: readonly string[]): void;
  /** Replaces the repository's git config atomically. */
  writeConfig(text: string): void;
}

import { hostname } from 'node:os';
import { MetaError } from '../errors/MetaError.js';
import { isErrno, unlinkIfPresent, type SyncFs } from './fs.js';
import { assertRefDirsInside, clip, isFullRefName, readRef, readRegularFile } from './refs.js';
import { pause } from '../util/pause.js';

export interface RefUpdateOptions {
  /** How long to wait for a live lock held by another writer before giving up (LOCK_TIMEOUT). */
  lockTimeoutMs?: number;
  /**
   * A lock older than this whose owner cannot be checked (another host) is considered abandoned
   * (default 30 s). A lock naming no owner at all (empty, or already holding the new value: its
   * writer was in the last microseconds of an update, or it is git's own) is abandoned after
   * min(this, 5 s). A lock whose owner is a live local process is never taken over: it is waited
   * on until `lockTimeoutMs`.
   */
  staleLockMs?: number;
  /** Called when a stale lock is cleared, so the CLI can say so. */
  onStaleLock?: (info: { lockPath: string; owner: string; ageMs: number }) => void;
}

/** An ownerless lock (mid-rename, or git's own) is held for microseconds by a live writer. */
const OWNERLESS_STALE_MS = 5_000;
const HOST = hostname();

// Ref reading lives in refs.ts (name rules, regular files only); re-exported for existing importers.
export { headTarget, readRef } from './refs.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM');
  }
}

/**
 * Moves `ref` from `expected` (undefined: the ref must not exist) to `next` with git's own locking
 * protocol, so `git` and other boot-meta processes serialise with us: create `<ref>.lock` with
 * O_EXCL, compare the current value, write + fsync, rename over the ref. Writing a ref
 * in place with no lock would lose commits under concurrency.
 *
 * While we hold it, the lock file first names its owner (`meta-lock pid@host`) so a lock left by a
 * killed process can be told from a live one; git never reads a `.lock` file's content.
 *
 * @returns true when the ref moved, false when its value was no longer `expected` (re-read and retry).
 *
 * @example
 * if (!(await compareAndSwapRef(fs, gitdir, 'refs/heads/main', parent, commit))) replan();
 */
export async function compareAndSwapRef(fs: SyncFs, gitdir: string, ref: string, expected: string | undefined, next: string, opts: RefUpdateOptions = {}): Promise<boolean> {
  return lockedUpdate(fs, gitdir, ref, (current) => current === expected, next, opts);
}

/**
 * Sets `ref` to `next` whatever it holds, or deletes its loose file when `next` is undefined,
 * under the same lock as {@link compareAndSwapRef}: for refs that are hints, not history (a
 * remote-tracking ref, `refs/meta/before-rewrite`). A deleted ref that `packed-refs` also lists
 * would show its packed value again; boot-meta never packs refs, and it deletes only tracking
 * refs it created itself.
 *
 * @example
 * await setRef(fs, gitdir, 'refs/remotes/origin/main', fetchedTip);
 */
export async function setRef(fs: SyncFs, gitdir: string, ref: string, next: string | undefined, opts: RefUpdateOptions = {}): Promise<void> {
  await lockedUpdate(fs, gitdir, ref, () => true, next, opts);
}

async function lockedUpdate(fs: SyncFs, gitdir: string, ref: string, accept: (current: string | undefined) => boolean, next: string | undefined, opts: RefUpdateOptions): Promise<boolean> {
  // The name becomes a path: only a valid refs/… name stays inside the repository's refs.
  if (!isFullRefName(ref)) throw new MetaError('INVALID_ARGUMENT', `'${clip(ref)}' is not a valid ref name (see 'git help check-ref-format')`, { ref: clip(ref) });
  assertRefDirsInside(fs, gitdir, ref);
  const refPath = `${gitdir}/${ref}`;
  const lockPath = `${refPath}.lock`;
  const timeout = opts.lockTimeoutMs ?? 10_000;
  const stale = opts.staleLockMs ?? 30_000;
  const start = Date.now();
  let fd: number | undefined;
  let delay = 1;
  fs.mkdirSync(refPath.slice(0, refPath.lastIndexOf('/')), { recursive: true });
  while (fd === undefined) {
    try {
      fd = fs.openSync(lockPath, 'wx', 0o644);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      if (clearStaleLock(fs, lockPath, stale, opts)) continue;
      if (Date.now() - start > timeout) {
        throw new MetaError('LOCK_TIMEOUT', `${lockPath} is held by another writer for over ${timeout} ms; if no meta or git process is running, remove that file`, { lockPath, timeoutMs: timeout });
      }
      await pause(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  }
  let renamed = false;
  try {
    fs.writeSync(fd, `meta-lock ${process.pid}@${HOST}\n`);
    const current = readRef(fs, gitdir, ref);
    if (!accept(current)) return false;
    if (next === undefined) {
      unlinkIfPresent(fs, refPath);
      return true;
    }
    // Rewrite the lock as the ref's final content; a pwrite at 0 of a longer value covers the owner line.
    const buf = Buffer.from(`${next}\n`);
    fs.closeSync(fd);
    fd = fs.openSync(lockPath, 'w');
    fs.writeSync(fd, buf);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(lockPath, refPath);
    renamed = true;
    return true;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    if (!renamed) {
      try { fs.unlinkSync(lockPath); } catch { /* not ours any more */ }
    }
  }
}

/**
 * Removes a lock file (`meta-lock <pid>@<host>` as its first line) whose owner is a dead local
 * process, or that is older than `staleMs` (an ownerless one after at most 5 s). Returns whether
 * the lock is gone. Any boot-meta lock file uses this, so a killed process never blocks the next.
 *
 * @example
 * if (!tryCreate(lockPath) && clearStaleLock(fs, lockPath, 30_000)) tryCreate(lockPath);
 */
export function clearStaleLock(fs: SyncFs, lockPath: string, staleMs: number, opts: Pick<RefUpdateOptions, 'onStaleLock'> = {}): boolean {
  let content: string;
  let mtime: number;
  // A lock is read like a ref: a fifo or device planted at its path must not block or flood us.
  const readLock = () => readRegularFile(fs, lockPath, 'a lock file', 4096)?.toString('utf8');
  try {
    const text = readLock();
    if (text === undefined) return true;
    content = text;
    mtime = fs.statSync(lockPath).mtimeMs;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return true;
    throw e;
  }
  const age = Date.now() - mtime;
  const m = /^meta-lock (\d+)@(.+)\n/.exec(content);
  const local = m !== null && m[2] === HOST;
  if (local && pidAlive(Number(m[1]))) return false;
  const stale = local || age >= (m ? staleMs : Math.min(staleMs, OWNERLESS_STALE_MS));
  if (!stale) return false;
  try {
    // Re-check right before unlinking, so a lock re-created meanwhile by a live writer survives.
    if (fs.statSync(lockPath).mtimeMs !== mtime || readLock() !== content) return false;
    fs.unlinkSync(lockPath);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  opts.onStaleLock?.({ lockPath, owner: m ? `${m[1]}@${m[2]}` : 'unknown', ageMs: age });
  return true;
}

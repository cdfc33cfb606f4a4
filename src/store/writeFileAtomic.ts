import { randomBytes } from 'node:crypto';
import { fsyncDir, unlinkIfPresent, writeAll, type SyncFs } from './fs.js';

export interface AtomicWriteOptions {
  /**
   * fsync the file before it is renamed into place and the directory after (survives a power cut;
   * default false: a crash may lose the new content, never leave a half-written file). `'file'`
   * syncs the file only (git's loose objects: the ref that names them is synced later).
   */
  durable?: boolean | 'file';
  /** The temp file's path (default `<path>.<pid>.<random>.tmp`): git's own names where git expects them. */
  tmp?: string;
  /** The file's mode (default 0o644, less the umask). */
  mode?: number;
  /** Create the parent directory when missing (default true). */
  mkdir?: boolean;
}

/**
 * Replaces the file at `path` so that a reader (or a crash) only ever sees the old content or the
 * new one: a temp file beside it (`<path>.<pid>.<random>.tmp`, opened exclusively), written
 * whole, optionally fsynced, then renamed over the old file. On failure the temp file is removed
 * and the error rethrown. Every file boot-meta replaces goes through here, except refs, which
 * RefLock writes under git's lock protocol.
 *
 * @example
 * writeFileAtomic(fs, `${gitdir}/shallow`, `${commits.join('\n')}\n`, { durable: true });
 */
export function writeFileAtomic(fs: SyncFs, path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  if (opts.mkdir !== false) fs.mkdirSync(dir, { recursive: true });
  const tmp = opts.tmp ?? `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o644);
    try {
      writeAll(fs, fd, bytes);
      if (opts.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // The mode given to open is filtered by the umask; an explicit one (a hook's 0755) must hold.
    if (opts.mode !== undefined) fs.chmodSync?.(tmp, opts.mode);
    fs.renameSync(tmp, path);
  } catch (e) {
    try { unlinkIfPresent(fs, tmp); } catch { /* the original error matters more */ }
    throw e;
  }
  if (opts.durable === true) fsyncDir(fs, dir);
}

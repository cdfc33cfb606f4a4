import { resolve as resolvePath } from 'node:path';
import type { SyncFs } from '../store/fs.js';

/**
 * The repository directory a command works on: the one given (`--repo`, or an API caller's
 * `dir`), else `$META_REPO`, else the current directory. On the disk it is made absolute; a path
 * on another file system (memfs) is used as given.
 *
 * @example
 * repositoryDir(undefined, { META_REPO: '/srv/meta' }, diskFs); // '/srv/meta'
 */
export function repositoryDir(dir: string | undefined, env: Record<string, string | undefined>, fs?: SyncFs, cwd: string = process.cwd()): string {
  const d = dir ?? env.META_REPO ?? cwd;
  return fs === undefined || fs.disk === true ? resolvePath(cwd, d) : d;
}

/**
 * How messages name the repository directory: what the user gave, never a path they did not.
 *
 * @example
 * shownRepositoryDir({}, {}); // 'the current directory'
 */
export function shownRepositoryDir(opts: { dir?: string; shownAs?: string }, env: Record<string, string | undefined>): string {
  return opts.shownAs || opts.dir || env.META_REPO || 'the current directory';
}

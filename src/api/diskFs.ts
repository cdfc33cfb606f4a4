import * as nodeFs from 'node:fs';
import type { SyncFs } from '../store/fs.js';

/**
 * The process's own file system as the store's {@link SyncFs}: node's `fs`, marked as the disk so
 * that the path of a repository is made absolute and a file watcher may watch its refs. The
 * default wherever a caller gives no `fs`; give a memfs volume instead to keep a repository in
 * memory.
 *
 * @example
 * const repo = openMeta({ dir: '/srv/meta', fs: diskFs });
 */
export const diskFs: SyncFs = Object.freeze({ ...(nodeFs as unknown as SyncFs), disk: true });

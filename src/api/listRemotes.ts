import { listRemotes as listRemoteEntries, type RemoteEntry } from '../remote/remoteConfig.js';
import type { MetaRepo } from './openMeta.js';

export type { RemoteEntry };

/**
 * The configured remotes.
 *
 * @example
 * for (const r of listRemotes(repo)) console.log(r.name, r.url);
 */
export function listRemotes(repo: MetaRepo): RemoteEntry[] {
  return listRemoteEntries(repo.store);
}

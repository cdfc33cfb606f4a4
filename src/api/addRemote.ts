import { addRemote as addRemoteEntry } from '../remote/remoteConfig.js';
import type { MetaRepo } from './openMeta.js';

/**
 * Adds a remote (git's `[remote "<name>"]` config, so `git remote -v` agrees). Credentials in
 * the URL are dropped, never stored: give them through `$META_GIT_TOKEN`, `$META_GIT_USERNAME` +
 * `$META_GIT_PASSWORD` or `$META_GIT_CREDENTIAL_HELPER`.
 *
 * @example
 * addRemote(repo, 'origin', 'https://git.example.com/acme/meta.git');
 */
export function addRemote(repo: MetaRepo, name: string, url: string): { name: string; url: string; droppedCredentials: boolean } {
  return addRemoteEntry(repo.store.transport(), name, url, repo.store.branchRef.replace(/^refs\/heads\//, ''));
}

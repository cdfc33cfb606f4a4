import { openRemote, pullRemote, type SyncResult } from '../remote/sync.js';
import type { MetaRepo } from './openMeta.js';

export interface PullOptions {
  /** Remote name (default `origin`). */
  remote?: string;
  /** Accept a remote history that does not descend from ours (the old tip stays under refs/meta/before-rewrite). */
  allowRewrite?: boolean;
}

export interface PullResult extends SyncResult {
  remoteName: string;
  url: string;
}

/**
 * Fetches the remote branch (only when its tip moved) and fast-forwards the local branch.
 * Anti-rollback: a remote tip whose single-parent chain does not contain the last one accepted, or
 * the local tip, is refused with HISTORY_REWRITTEN naming both commits, unless `allowRewrite`; so
 * a merge commit or a second root commit is never fast-forwarded.
 *
 * @example
 * const r = await pull(repo);
 * if (r.status === 'fast-forward') console.log(`now at ${r.after}`);
 */
export async function pull(repo: MetaRepo, opts: PullOptions = {}): Promise<PullResult> {
  const h = openRemote(repo.store, repo.env, opts.remote);
  const r = await pullRemote(repo.store.transport(), h, { allowRewrite: opts.allowRewrite });
  return { ...r, remoteName: h.name, url: h.target.url };
}

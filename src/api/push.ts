import { openRemote, pushRemote, type PushOutcome } from '../remote/sync.js';
import type { MetaRepo } from './openMeta.js';

export interface PushOptions {
  /** Remote name (default `origin`). */
  remote?: string;
  /** Bounded attempts while the remote keeps moving (default 20). */
  maxAttempts?: number;
}

export interface PushResult extends PushOutcome {
  remoteName: string;
  url: string;
}

/**
 * Pushes the local branch. When the remote moved on, local-only commits are first re-applied on
 * its tip as fresh commits (record paths are unique, so this never conflicts, except two writers
 * taking one channel sequence: CONFLICT), then pushed, with bounded retries and backoff.
 *
 * @example
 * const r = await push(repo);
 * console.log(r.pushed, r.attempts);
 */
export async function push(repo: MetaRepo, opts: PushOptions = {}): Promise<PushResult> {
  const h = openRemote(repo.store, repo.env, opts.remote);
  const r = await pushRemote(repo.store.transport(), h, { maxAttempts: opts.maxAttempts });
  return { ...r, remoteName: h.name, url: h.target.url };
}

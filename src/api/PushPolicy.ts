/**
 * How writes go to a remote: planned on its tip, pushed, re-planned when another writer won.
 *
 * @example
 * const repo = openMeta({ dir: '/srv/meta', push: { remote: 'origin', maxAttempts: 5 } });
 */
export interface PushPolicy {
  /** Remote name (default `origin`). */
  remote?: string;
  /** Bounded attempts (default 20). */
  maxAttempts?: number;
  /** First backoff step in ms (doubles per attempt, with jitter; default 50). */
  backoffMs?: number;
}

import type { AppendOptions, AppendPlanner, AppendResult } from '../store/Repository.js';
import type { MetaRepo } from './openMeta.js';
import type { PushPolicy } from './PushPolicy.js';

export type { PushPolicy } from './PushPolicy.js';

/**
 * Makes every write through `repo` push (`--push`), or keeps it local (`false`, `--no-push`),
 * overriding `push:` in meta.yaml: sets {@link MetaRepo.pushPolicy} (as `openMeta({ push })` does).
 *
 * @example
 * setAutoPush(repo, { remote: 'origin' });
 * await recordRelease(repo, { project: 'acme/app', version: '1.2.0', sources: [...] }); // lands on the remote
 */
export function setAutoPush(repo: MetaRepo, policy: PushPolicy | boolean): void {
  repo.pushPolicy = policy === true ? {} : policy;
}

/**
 * The push policy of the next write: the handle's own (`repo.pushPolicy`), else meta.yaml's
 * `push: true` (or `push: { remote, attempts }`) when that remote is configured here. A repository without the
 * remote (the server's own copy, whose meta.yaml says the same) writes locally.
 */
export async function autoPushPolicy(repo: MetaRepo): Promise<PushPolicy | undefined> {
  const e = repo.pushPolicy;
  if (e !== undefined) return e === false ? undefined : e;
  const snap = repo.store.snapshot();
  const text = snap.read('meta.yaml');
  if (!text || !/^push\s*:/m.test(Buffer.from(text).toString('utf8'))) return undefined; // skip the yaml import for the common case
  const { readMetaSettings } = await import('./readMetaSettings.js');
  const push = readMetaSettings(snap).push;
  if (!push) return undefined;
  const policy: PushPolicy = {};
  if (typeof push === 'object') {
    const p = push as { remote?: unknown; attempts?: unknown; enabled?: unknown };
    if (p.enabled === false) return undefined;
    if (typeof p.remote === 'string') policy.remote = p.remote;
    if (typeof p.attempts === 'number') policy.maxAttempts = p.attempts;
  }
  const { listRemotes } = await import('../remote/remoteConfig.js');
  return listRemotes(repo.store).some((r) => r.name === (policy.remote ?? 'origin')) ? policy : undefined;
}

/**
 * `store.append`, or through the remote when the push policy says so: every write path (records,
 * secrets, keys) calls this, so `--push` and `push: true` in meta.yaml hold for all of them.
 *
 * @example
 * await appendWithPolicy(repo, (snap) => ({ files, message: 'set secret' }), { actor: repo.actor });
 */
export async function appendWithPolicy(repo: MetaRepo, plan: AppendPlanner, options: AppendOptions): Promise<AppendResult> {
  const opts: AppendOptions = { onStaleLock: (info) => repo.warn(staleLockMessage(info)), ...options };
  const push = await autoPushPolicy(repo);
  if (!push) return repo.store.append(plan, opts);
  const sync = await import('../remote/sync.js');
  return sync.appendAndPush(repo.store.transport(), sync.openRemote(repo.store, repo.env, push.remote), plan, { ...opts, ...push });
}

/** What to say when a lock left by a killed writer was removed (rare, and worth knowing). */
export function staleLockMessage(info: { lockPath: string; owner: string; ageMs: number }): string {
  return `removed stale lock ${info.lockPath} (owner ${info.owner}, ${Math.round(info.ageMs)} ms old): its writer died before finishing`;
}

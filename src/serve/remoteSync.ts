import { MetaError } from '../errors/MetaError.js';
import { diskFs } from '../api/diskFs.js';
import { openMeta, type MetaRepo } from '../api/openMeta.js';
import type { SyncFs } from '../store/fs.js';
import type { AppendOptions, AppendPlanner, AppendResult } from '../store/Repository.js';
import type { RemoteSync } from './MetaServer.js';
import { pullEvery, type PullLoop } from './pullEvery.js';

export interface OpenCloneOptions {
  url: string;
  /** Where the local clone lives (created by a clone when missing or empty). */
  dir: string;
  env: Record<string, string | undefined>;
  actor?: string;
  fsyncObjects?: boolean;
  /** The file system the clone lives on (default: the disk). */
  fs?: SyncFs;
}

/**
 * The local clone `meta serve --remote`, `meta follow --remote` and `meta watch --remote` work
 * on: cloned over smart HTTP the first time, reopened afterwards (its `origin` must be `url`).
 *
 * @example
 * const repo = await openClone({ url: 'https://git.example.com/acme/meta.git', dir: '/var/lib/meta', env: process.env });
 */
export async function openClone(opts: OpenCloneOptions): Promise<MetaRepo> {
  const fs = opts.fs ?? diskFs;
  let empty = true;
  try {
    empty = fs.readdirSync(opts.dir).length === 0;
  } catch { /* missing: clone creates it */ }
  if (empty) {
    const { cloneMeta } = await import('../api/cloneMeta.js');
    return cloneMeta({ url: opts.url, dir: opts.dir, env: opts.env, actor: opts.actor, fsyncObjects: opts.fsyncObjects, fs });
  }
  const repo = openMeta({ dir: opts.dir, env: opts.env, actor: opts.actor, fsyncObjects: opts.fsyncObjects, fs });
  const { listRemotes } = await import('../api/listRemotes.js');
  const { addRemote } = await import('../api/addRemote.js');
  const { stripUserinfo } = await import('../remote/credentials.js');
  const want = stripUserinfo(opts.url).url;
  const origin = listRemotes(repo).find((r) => r.name === 'origin');
  if (!origin) addRemote(repo, 'origin', opts.url);
  else if (origin.url !== want) {
    throw new MetaError('INVALID_ARGUMENT', `${opts.dir} is a clone of ${origin.url}, not ${want}; choose another directory (--repo) or the same remote`, { dir: opts.dir, origin: origin.url, remote: want });
  }
  return repo;
}

/**
 * What `meta serve --remote` needs from the remote module: `fetch` pulls (fast-forward only,
 * refusing rewritten history), and `append` makes the server's group commits land on the remote
 * first (planned on its tip, pushed, re-planned when another writer won), so a request is answered
 * only once the remote holds its record.
 */
export async function remoteSync(repo: MetaRepo, url: string, intervalMs: number): Promise<RemoteSync> {
  const { pull } = await import('../api/pull.js');
  const sync = await import('../remote/sync.js');
  return {
    url,
    intervalMs,
    fetch: async () => {
      await pull(repo);
    },
    append: (plan: AppendPlanner, opts: AppendOptions): Promise<AppendResult> =>
      sync.appendAndPush(repo.store.transport(), sync.openRemote(repo.store, repo.env), plan, opts),
  };
}

/**
 * Pulls every `intervalMs` until stopped (followers and watchers of a remote): each pull that
 * moves the local branch is noticed by their RefWatcher like any other tip move.
 *
 * @example
 * const puller = startPulling(repo, 10_000, (e) => log(`fetch: ${e.message}`));
 * await puller.stop();
 */
export function startPulling(repo: MetaRepo, intervalMs: number, onError: (e: Error) => void): PullLoop {
  return pullEvery(async () => {
    const { pull } = await import('../api/pull.js');
    await pull(repo);
  }, intervalMs, { onError });
}

import type { Argv } from 'yargs';
import type { MetaRepo } from '../api/openMeta.js';

/** `--push` / `--no-push` for every write command (default: `push:` in meta.yaml). */
export function withPushOption(y: Argv): Argv {
  return y.option('push', { type: 'boolean', describe: "append on the remote's tip and push it, re-planning when another writer won (default: 'push:' in meta.yaml)" });
}

/** Applies `--push`/`--no-push` to the repository handle before the write. */
export async function applyPushOption(repo: MetaRepo, args: { push?: boolean }): Promise<void> {
  if (args.push === undefined) return;
  const { setAutoPush } = await import('../api/autoPush.js');
  setAutoPush(repo, args.push);
}

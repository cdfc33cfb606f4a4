import type { MetaRepo } from '../api/openMeta.js';

/**
 * Applies `--push`/`--no-push` (declared on every write command in specs.ts; default: `push:`
 * in meta.yaml) to the repository handle before the write.
 */
export async function applyPushOption(repo: MetaRepo, args: { push?: boolean }): Promise<void> {
  if (args.push === undefined) return;
  const { setAutoPush } = await import('../api/autoPush.js');
  setAutoPush(repo, args.push);
}

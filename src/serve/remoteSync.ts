import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import type { RemoteSync } from './MetaServer.js';

/**
 * Keeps `repo` in step with a git remote for `meta serve --remote` / `meta follow --remote` /
 * `meta watch --remote`. Built on the remote module (issue 3: fetch and push over smart HTTP).
 */
export async function remoteSync(repo: MetaRepo, url: string, intervalMs: number): Promise<RemoteSync> {
  void repo;
  void intervalMs;
  throw new MetaError('INVALID_ARGUMENT', `--remote ${url} is not available in this build yet: it needs the remote module (fetch/push); serve or follow a local clone (--repo) or a meta serve (--server) instead`, { remote: url });
}

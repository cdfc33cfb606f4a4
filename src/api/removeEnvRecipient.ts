import type { MetaRepo } from './openMeta.js';
import { changeEnvRecipient, type RecipientChangeResult } from './changeEnvRecipient.js';

/**
 * Removes an age recipient from an environment (a new `.sops.yaml` version). Follow with
 * {@link updateSecretKeys}, which rotates the data key of every secret so the removed key cannot
 * open new versions; versions in history stay readable by it, so change leaked values.
 *
 * @example
 * await removeEnvRecipient(repo, { env: 'prod', recipient: 'age1old…' });
 */
export async function removeEnvRecipient(repo: MetaRepo, opts: { env: string; recipient: string }): Promise<RecipientChangeResult> {
  return changeEnvRecipient(repo, opts.env, opts.recipient, 'remove');
}

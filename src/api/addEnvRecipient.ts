import type { MetaRepo } from './openMeta.js';
import { changeEnvRecipient, type RecipientChangeResult } from './changeEnvRecipient.js';

/**
 * Adds an age recipient to an environment (a new `.sops.yaml` version). New secret versions are
 * encrypted for it; run {@link updateSecretKeys} to give it the existing ones.
 *
 * @example
 * await addEnvRecipient(repo, { env: 'prod', recipient: 'age1…' });
 */
export async function addEnvRecipient(repo: MetaRepo, opts: { env: string; recipient: string }): Promise<RecipientChangeResult> {
  return changeEnvRecipient(repo, opts.env, opts.recipient, 'add');
}

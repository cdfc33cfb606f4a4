/**
 * The repository's `.sops.yaml` at a snapshot, and the recipients and rules it gives a secret:
 * the same creation rule the real `sops` would pick for that path, so both tools encrypt for the
 * same keys.
 */
import { MetaError } from '../errors/MetaError.js';
import type { EncryptionRules } from '../secrets/rules.js';
import { findCreationRule, parseSopsConfig, type SopsConfig } from '../secrets/sopsConfig.js';
import type { Snapshot } from '../store/Snapshot.js';

export const SOPS_CONFIG_PATH = '.sops.yaml';

/** The text of `.sops.yaml` at a snapshot ('' when the repository has none yet). */
export function sopsConfigText(snap: Snapshot): string {
  const bytes = snap.read(SOPS_CONFIG_PATH);
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

/** The parsed `.sops.yaml` at a snapshot. */
export function sopsConfigAt(snap: Snapshot): SopsConfig {
  return parseSopsConfig(sopsConfigText(snap));
}

/**
 * The age recipients and encryption rules for a new file at `path` (a secret version path).
 * Throws when no rule matches or the rule has no age recipients, saying how to add one.
 *
 * @example
 * const { recipients } = recipientsFor(snap, 'prod', 'envs/prod/secrets/db/00000/0000000001.sops.yaml');
 */
export function recipientsFor(snap: Snapshot, env: string, path: string): { recipients: string[]; rules: EncryptionRules } {
  const rule = findCreationRule(sopsConfigAt(snap), path);
  if (!rule || rule.age.length === 0) {
    throw new MetaError(
      'PRECONDITION_FAILED',
      `environment ${env} has no age recipients in .sops.yaml${rule ? '' : ' (no creation rule matches its secrets)'}: add one with \`meta keys add-recipient ${env} <age1…>\` (create a key with \`meta keys generate --out <file>\`)`,
      { env, path },
    );
  }
  return { recipients: rule.age, rules: rule.rules };
}

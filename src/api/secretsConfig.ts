/**
 * The repository's `.sops.yaml` at a snapshot, and the recipients and rules it gives a secret:
 * the same creation rule the real `sops` would pick for that path, so both tools encrypt for the
 * same keys. Kept together because every secret write (set, rotate, update-keys, recipient
 * changes) must read the same file the same way.
 */
import { MetaError } from '../errors/MetaError.js';
import { secretsDir } from '../records/layout.js';
import { parentEnvironment } from '../records/names.js';
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
 * The age recipients and encryption rules for a new file at `path` (a secret version path):
 * the first creation rule matching the path, as sops picks it. A personal environment
 * (`dev/alice`) that no rule matches takes its environment's rule (`dev`'s recipients) until it
 * has its own (`meta keys add-recipient dev/alice age1…`). Throws when no rule matches or the
 * rule has no age recipients, saying how to add one.
 *
 * @example
 * const { recipients } = recipientsFor(snap, 'prod', 'envs/prod/secrets/db/00000/0000000001.sops.yaml');
 */
export function recipientsFor(snap: Snapshot, env: string, path: string): { recipients: string[]; rules: EncryptionRules } {
  const config = sopsConfigAt(snap);
  let rule = findCreationRule(config, path);
  const parent = parentEnvironment(env);
  const inherits = !rule && parent !== undefined;
  if (inherits) {
    // A personal environment without a rule of its own is encrypted for its environment's keys.
    rule = findCreationRule(config, `${secretsDir(parent!)}/${path.slice(secretsDir(env).length + 1)}`);
  }
  if (!rule || rule.age.length === 0) {
    const why = inherits ? ` (it has no rule of its own, and ${parent}, whose recipients it uses then, has none either)` : rule ? '' : ' (no creation rule matches its secrets)';
    throw new MetaError(
      'PRECONDITION_FAILED',
      `environment ${env} has no age recipients in .sops.yaml${why}: add one with \`meta keys add-recipient ${env} <age1…>\` (create a key with \`meta keys generate --out <file>\`)`,
      { env, path },
    );
  }
  return { recipients: rule.age, rules: rule.rules };
}

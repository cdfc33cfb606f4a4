/**
 * `meta secret rotate`: a new version of a secret with the same values under a new data key,
 * wrapped for the environment's current recipients.
 */
import { readMetadata, rotateDataKey, updateKeys } from '../secrets/sopsFile.js';
import type { SopsFormat } from '../secrets/store.js';
import type { Snapshot } from '../store/Snapshot.js';
import { requireSecretVersion } from './getSecret.js';
import type { MetaRepo } from './openMeta.js';
import { appendWithPolicy } from './autoPush.js';
import { recipientsFor } from './secretsConfig.js';
import { resolveIdentities, type IdentityOptions } from './resolveIdentities.js';
import { secretRefAt } from './secretRef.js';
import { latestSecretVersion, secretVersionPath, secretVersions } from './secretsPaths.js';

/** How a version's recipients differ from the wanted list. */
export interface RecipientChange {
  added: string[];
  removed: string[];
}

/** Compares the recipients of an encrypted file with the wanted list. */
export function recipientChange(encText: string, format: SopsFormat, wanted: readonly string[]): RecipientChange {
  const have = readMetadata(encText, format).age.map((a) => a.recipient);
  return { added: wanted.filter((r) => !have.includes(r)), removed: have.filter((r) => !wanted.includes(r)) };
}

/**
 * Re-encrypts a file for `recipients`: with `rotate`, under a new data key (values re-encrypted,
 * MAC recomputed), else by re-wrapping the existing data key (values byte-identical). The MAC
 * is verified either way, so a tampered file is never re-blessed.
 *
 * @example
 * const next = await resealFor(text, 'yaml', identities, ['age1…'], true);
 */
export async function resealFor(encText: string, format: SopsFormat, identities: readonly string[], recipients: readonly string[], rotate: boolean): Promise<string> {
  let text = encText;
  if (rotate) text = await rotateDataKey(text, format, identities);
  const change = recipientChange(text, format, recipients);
  if (change.added.length > 0 || change.removed.length > 0) text = await updateKeys(text, format, identities, recipients);
  return text;
}

/** What {@link rotateSecret} wrote. */
export interface RotateSecretResult {
  env: string;
  name: string;
  version: number;
  previous: number;
  path: string;
  recipients: string[];
  change: RecipientChange;
  commit: string;
}

/**
 * Writes a new version of a secret with a new data key, for the current `.sops.yaml` recipients.
 *
 * @example
 * await rotateSecret(repo, { secret: 'prod/db' });
 */
export async function rotateSecret(repo: MetaRepo, opts: IdentityOptions & { secret: string; env?: string }): Promise<RotateSecretResult> {
  let identities: string[] | undefined;
  let result: Omit<RotateSecretResult, 'commit'> | undefined;
  const res = await appendWithPolicy(repo, async (snap: Snapshot) => {
    const { env, name } = secretRefAt(snap, opts.secret, opts.env);
    const latest = requireSecretVersion(() => secretVersions(snap, env, name), latestSecretVersion(snap, env, name), `${env}/${name}`, undefined, snap.commit);
    const version = latest.version + 1;
    const path = secretVersionPath(env, name, version, latest.format);
    const { recipients } = recipientsFor(snap, env, path);
    const text = Buffer.from(snap.readBlob(latest.oid)).toString('utf8');
    identities ??= resolveIdentities(opts, repo.env);
    const change = recipientChange(text, latest.format, recipients);
    const next = await resealFor(text, latest.format, identities, recipients, true);
    result = { env, name, version, previous: latest.version, path, recipients, change };
    return { files: [{ path, data: Buffer.from(next, 'utf8') }], message: `secret rotate ${env}/${name} (v${version}, new data key)` };
  }, { actor: repo.actor });
  return { ...result!, commit: res.commit };
}

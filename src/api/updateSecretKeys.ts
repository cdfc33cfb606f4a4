/**
 * `meta secret updatekeys`: bring the newest version of every secret of an environment in line
 * with the recipients `.sops.yaml` lists now, as new versions in one commit.
 */
import { checkEnvironment } from '../records/names.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { appendWithPolicy } from './autoPush.js';
import { recipientsFor } from './secretsConfig.js';
import { resolveIdentities, type IdentityOptions } from './resolveIdentities.js';
import { latestSecretVersion, listSecretEnvs, listSecretNames, secretVersionPath } from './secretsPaths.js';
import { recipientChange, resealFor } from './rotateSecret.js';

/** What happened to one secret. */
export interface UpdateKeysItem {
  env: string;
  name: string;
  /** `rewrapped`: same data key, wrapped for added recipients; `rotated`: a recipient was removed, so a new data key; `unchanged`. */
  action: 'rewrapped' | 'rotated' | 'unchanged';
  from: number;
  to: number;
  added: string[];
  removed: string[];
}

/** What {@link updateSecretKeys} did. */
export interface UpdateKeysResult {
  items: UpdateKeysItem[];
  /** The commit, or undefined when every secret already matched its recipients. */
  commit: string | undefined;
}

/**
 * Re-wraps every secret of `env` and its personal environments (all environments when omitted)
 * for its current recipients.
 * When a recipient was removed the data key is rotated too: the removed key holder may have kept
 * the old data key, and re-wrapping alone (what `sops updatekeys` does) would let it open the new
 * version. Older versions stay in history, readable by whoever could read them then: change the
 * secret values themselves when a key leaks. All-or-nothing: if one secret cannot be opened
 * (NO_IDENTITY, MAC_MISMATCH) nothing is written.
 *
 * @example
 * const { items } = await updateSecretKeys(repo, { env: 'prod' });
 */
export async function updateSecretKeys(repo: MetaRepo, opts: IdentityOptions & { env?: string } = {}): Promise<UpdateKeysResult> {
  let identities: string[] | undefined;
  let items: UpdateKeysItem[] = [];
  const labels = (list: UpdateKeysItem[]) => {
    const shown = list.slice(0, 10).map((i) => `${i.env}/${i.name} v${i.to} ${i.action}`);
    return shown.join(', ') + (list.length > 10 ? `, and ${list.length - 10} more` : '');
  };
  let scope = '';
  const plan = async (snap: Snapshot) => {
    // An environment's personal environments come along: without rules of their own they use its keys.
    const envs = opts.env !== undefined ? [checkEnvironment(opts.env), ...listSecretEnvs(snap).filter((e) => e.startsWith(`${opts.env}/`))] : listSecretEnvs(snap);
    scope = opts.env ?? 'all environments';
    items = [];
    const files: { path: string; data: Uint8Array }[] = [];
    for (const env of envs) {
      for (const name of listSecretNames(snap, env)) {
        const latest = latestSecretVersion(snap, env, name);
        if (!latest) continue;
        const version = latest.version + 1;
        const path = secretVersionPath(env, name, version, latest.format);
        const { recipients } = recipientsFor(snap, env, path);
        const text = Buffer.from(snap.readBlob(latest.oid)).toString('utf8');
        const change = recipientChange(text, latest.format, recipients);
        if (change.added.length === 0 && change.removed.length === 0) {
          items.push({ env, name, action: 'unchanged', from: latest.version, to: latest.version, ...change });
          continue;
        }
        identities ??= resolveIdentities(opts, repo.env);
        const rotate = change.removed.length > 0;
        const next = await resealFor(text, latest.format, identities, recipients, rotate);
        files.push({ path, data: Buffer.from(next, 'utf8') });
        items.push({ env, name, action: rotate ? 'rotated' : 'rewrapped', from: latest.version, to: version, ...change });
      }
    }
    if (files.length === 0) throw new NothingToWrite(undefined);
    return { files, message: `secret updatekeys ${scope} (${labels(items.filter((i) => i.action !== 'unchanged'))})` };
  };
  const res = await unlessNothingToWrite(appendWithPolicy(repo, plan, { actor: repo.actor }), () => undefined);
  return { items, commit: res?.commit };
}

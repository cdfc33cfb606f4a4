/**
 * `meta keys add-recipient / remove-recipient / ls`: the age recipients of each environment, kept
 * in the repository's `.sops.yaml` (a settings file: every version stays in history).
 */
import { MetaError } from '../errors/MetaError.js';
import { checkEnvironment, parentEnvironment } from '../records/names.js';
import { declaredNames } from './declaredNames.js';
import { isPersonalEnvironment } from './secretRef.js';
import { addRecipient, envPathRegex, parseSopsConfig, removeRecipient } from '../secrets/sopsConfig.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import type { Snapshot } from '../store/Snapshot.js';
import { snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { appendWithPolicy } from './autoPush.js';
import { SOPS_CONFIG_PATH, sopsConfigAt, sopsConfigText } from './secretsConfig.js';

/** The recipients of one environment's rule. */
export interface EnvRecipients {
  env: string;
  pathRegex: string;
  recipients: string[];
  /** A personal environment without a rule of its own: the environment whose rule (and recipients) it uses. */
  inheritedFrom?: string;
}

/** What a recipient change did. */
export interface RecipientChangeResult extends EnvRecipients {
  /** False when the key was already there: nothing written. */
  changed: boolean;
  commit: string | undefined;
}

/**
 * The age recipients per environment, from the `.sops.yaml` rules boot-meta manages
 * (`path_regex: ^envs/<env>/secrets/.*`); a declared personal environment without a rule of its
 * own is listed with its environment's recipients (`inheritedFrom`).
 *
 * @example
 * listRecipients(repo, { env: 'prod' })[0]?.recipients
 */
export function listRecipients(repo: MetaRepo, opts: { env?: string; at?: string } = {}): EnvRecipients[] {
  const snap = snapshotAt(repo, opts.at);
  const config = sopsConfigAt(snap);
  const out: EnvRecipients[] = [];
  for (const rule of config.creationRules) {
    const m = rule.pathRegex ? /^\^envs\/(.+)\/secrets\/\.\*$/.exec(rule.pathRegex) : null;
    if (!m) continue;
    const env = m[1]!.replace(/\\\./g, '.');
    if (opts.env !== undefined && env !== opts.env) continue;
    out.push({ env, pathRegex: rule.pathRegex!, recipients: rule.age });
  }
  // Declared personal environments without a rule of their own use their environment's.
  const declared = opts.env !== undefined ? [opts.env] : declaredNames(snap).environments;
  for (const env of declared) {
    const parent = parentEnvironment(env);
    if (parent === undefined || out.some((r) => r.env === env) || !isPersonalEnvironment(snap, env)) continue;
    const from = config.creationRules.find((r) => r.pathRegex === envPathRegex(parent));
    if (from) out.push({ env, pathRegex: from.pathRegex!, recipients: from.age, inheritedFrom: parent });
  }
  if (opts.env !== undefined && out.length === 0) {
    throw new MetaError('NOT_FOUND', `.sops.yaml has no rule for environment ${opts.env}; add a key with \`meta keys add-recipient ${opts.env} <age1…>\``, { env: opts.env });
  }
  return out;
}

async function change(repo: MetaRepo, env: string, recipient: string, how: 'add' | 'remove'): Promise<RecipientChangeResult> {
  checkEnvironment(env);
  let recipients: string[] = [];
  const plan = (snap: Snapshot) => {
    const current = sopsConfigText(snap);
    const next = how === 'add' ? addRecipient(current, env, recipient) : removeRecipient(current, env, recipient);
    recipients = parseSopsConfig(next).creationRules.find((r) => r.pathRegex === envPathRegex(env))?.age ?? [];
    if (next === current) throw new NothingToWrite(undefined);
    return {
      files: [{ path: SOPS_CONFIG_PATH, data: Buffer.from(next, 'utf8'), replace: true }],
      message: `keys ${how}-recipient ${env} ${recipient}`,
    };
  };
  const res = await unlessNothingToWrite(appendWithPolicy(repo, plan, { actor: repo.actor }), () => undefined);
  return { env, pathRegex: envPathRegex(env), recipients, changed: res !== undefined, commit: res?.commit };
}

/**
 * Adds an age recipient to an environment (a new `.sops.yaml` version). New secret versions are
 * encrypted for it; run {@link updateSecretKeys} to give it the existing ones.
 *
 * @example
 * await addEnvRecipient(repo, { env: 'prod', recipient: 'age1…' });
 */
export async function addEnvRecipient(repo: MetaRepo, opts: { env: string; recipient: string }): Promise<RecipientChangeResult> {
  return change(repo, opts.env, opts.recipient, 'add');
}

/**
 * Removes an age recipient from an environment (a new `.sops.yaml` version). Follow with
 * {@link updateSecretKeys}, which rotates the data key of every secret so the removed key cannot
 * open new versions; versions in history stay readable by it, so change leaked values.
 *
 * @example
 * await removeEnvRecipient(repo, { env: 'prod', recipient: 'age1old…' });
 */
export async function removeEnvRecipient(repo: MetaRepo, opts: { env: string; recipient: string }): Promise<RecipientChangeResult> {
  return change(repo, opts.env, opts.recipient, 'remove');
}

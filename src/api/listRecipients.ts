/**
 * `meta keys ls`: the age recipients of each environment, kept in the repository's `.sops.yaml`
 * (a settings file: every version stays in history).
 */
import { MetaError } from '../errors/MetaError.js';
import { parentEnvironment } from '../records/names.js';
import { declaredNames } from './declaredNames.js';
import { isPersonalEnvironment } from './secretRef.js';
import { envPathRegex } from '../secrets/sopsConfig.js';
import { snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { sopsConfigAt } from './secretsConfig.js';

/** The recipients of one environment's rule. */
export interface EnvRecipients {
  env: string;
  pathRegex: string;
  recipients: string[];
  /** A personal environment without a rule of its own: the environment whose rule (and recipients) it uses. */
  inheritedFrom?: string;
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

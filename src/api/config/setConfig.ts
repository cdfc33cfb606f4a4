/**
 * `meta config set`: appends a new version of one config layer (the whole layer: the previous
 * entries plus the changes), sequence = last + 1 through the store's compare-and-swap loop.
 */
import { MetaError } from '../../errors/MetaError.js';
import { configPath } from '../../records/layout.js';
import { checkChannel, checkEnvironment } from '../../records/names.js';
import type { ConfigEntry, ConfigValue } from '../../records/types.js';
import { NothingToWrite, unlessNothingToWrite } from '../../store/NothingToWrite.js';
import { requireProject } from '../lookup.js';
import type { MetaRepo } from '../openMeta.js';
import { latestSecretVersion } from '../secretsPaths.js';
import { writeRecords } from '../writeRecords.js';
import { latestConfigLayer } from './configLayers.js';
import { checkConfigKey, checkConfigText, checkLayerSize, parseJsonValue, parseSecretSpec, sameValue, valueText } from './configRules.js';

export interface SetConfigOptions {
  project: string;
  /** The environment ('' or absent: the project defaults). */
  env?: string;
  /** The channel (needs `env`). */
  channel?: string;
  /** Text values by key. */
  set?: Record<string, string>;
  /** JSON text by key (stored canonical: keys sorted, no white space). */
  json?: Record<string, string>;
  /** `<secret-name>[#<field>]` by key: a secret of `env` that exists now. */
  secrets?: Record<string, string>;
  /** Keys to remove. */
  unset?: string[];
}

/** One key's change between two versions of a layer (values shown, secret references by name). */
export interface ConfigChange {
  key: string;
  status: 'added' | 'changed' | 'removed';
  from?: string;
  to?: string;
  /** The kind of the new (or removed) value. */
  type: ConfigValue['type'];
}

export interface SetConfigResult {
  project: string;
  env: string;
  channel: string;
  sequence: number;
  /** False when the layer already was as asked and nothing was written. */
  changed: boolean;
  commit: string;
  path: string;
  changes: ConfigChange[];
}

/** The changes from one list of entries to another, by key. */
export function configChanges(before: readonly ConfigEntry[], after: readonly ConfigEntry[]): ConfigChange[] {
  const a = new Map(before.map((e) => [e.key, e.value]));
  const b = new Map(after.map((e) => [e.key, e.value]));
  const out: ConfigChange[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(key);
    const y = b.get(key);
    if (x && y && sameValue(x, y)) continue;
    if (!x) out.push({ key, status: 'added', to: valueText(y!), type: y!.type });
    else if (!y) out.push({ key, status: 'removed', from: valueText(x), type: x.type });
    else out.push({ key, status: 'changed', from: valueText(x), to: valueText(y), type: y.type });
  }
  return out;
}

function parseChanges(opts: SetConfigOptions, env: string): { put: Map<string, ConfigValue>; unset: Set<string> } {
  const put = new Map<string, ConfigValue>();
  const once = (key: string) => {
    checkConfigKey(key);
    if (put.has(key)) throw new MetaError('INVALID_ARGUMENT', `config key ${key} is given twice; give each key once`, { key });
  };
  for (const [key, text] of Object.entries(opts.set ?? {})) {
    once(key);
    put.set(key, { type: 'text', text: checkConfigText(key, text) });
  }
  for (const [key, text] of Object.entries(opts.json ?? {})) {
    once(key);
    put.set(key, { type: 'json', json: parseJsonValue(key, text) });
  }
  for (const [key, spec] of Object.entries(opts.secrets ?? {})) {
    once(key);
    if (!env) throw new MetaError('INVALID_ARGUMENT', `--secret ${key}: secrets belong to an environment, and the project defaults have none; set it with --env <env>`, { key });
    put.set(key, { type: 'secret', ...parseSecretSpec(key, spec) });
  }
  const unset = new Set<string>();
  for (const key of opts.unset ?? []) {
    checkConfigKey(key);
    if (put.has(key)) throw new MetaError('INVALID_ARGUMENT', `config key ${key} is both set and unset; choose one`, { key });
    unset.add(key);
  }
  if (put.size === 0 && unset.size === 0) throw new MetaError('INVALID_ARGUMENT', 'nothing to change: give KEY=VALUE, --json KEY=<json>, --secret KEY=<name>[#<field>] or --unset KEY', {});
  return { put, unset };
}

/**
 * Appends the next version of a layer with `set`/`json`/`secrets` applied and `unset` keys removed.
 * A change that leaves the layer as it is writes nothing (`changed: false`). Undeclared
 * environments and channels are NOT_FOUND; a secret reference to a secret the environment does
 * not hold is NOT_FOUND.
 *
 * @example
 * await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LOG_LEVEL: 'info' }, secrets: { DB_PASSWORD: 'db#password' } });
 */
export async function setConfig(repo: MetaRepo, opts: SetConfigOptions): Promise<SetConfigResult> {
  const env = opts.env ? checkEnvironment(opts.env) : '';
  const channel = opts.channel ? checkChannel(opts.channel) : '';
  if (channel && !env) throw new MetaError('INVALID_ARGUMENT', '--channel needs --env: a channel layer belongs to one environment (e.g. --env prod --channel stable)', { channel });
  const { put, unset } = parseChanges(opts, env);
  const { requireDeclaredChannel, requireDeclaredEnvironment } = await import('../declaredNames.js');
  let project = opts.project;
  const res = await unlessNothingToWrite(writeRecords(repo, (snap) => {
    project = requireProject(repo, snap, opts.project).name;
    if (env) requireDeclaredEnvironment(snap, env, { project });
    if (channel) requireDeclaredChannel(snap, project, channel);
    for (const [key, v] of put) {
      if (v.type === 'secret' && !latestSecretVersion(snap, env, v.name)) {
        throw new MetaError('NOT_FOUND', `--secret ${key}: environment ${env} has no secret ${v.name}; create it with 'meta secret set ${env}/${v.name} …' first, or list them with 'meta secret ls ${env}'`, { key, env, secret: v.name });
      }
    }
    const last = latestConfigLayer(repo, snap, project, env, channel);
    const before = last?.record.entries ?? [];
    const next = new Map(before.map((e) => [e.key, e.value]));
    for (const k of unset) next.delete(k);
    for (const [k, v] of put) next.set(k, v);
    const entries: ConfigEntry[] = [...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value }));
    const changes = configChanges(before, entries);
    const sequence = (last?.sequence ?? 0) + 1;
    if (changes.length === 0) {
      throw new NothingToWrite<SetConfigResult>({ project, env, channel, sequence: last?.sequence ?? 0, changed: false, commit: snap.commit ?? '', path: last?.path ?? '', changes });
    }
    checkLayerSize(entries);
    const path = configPath(project, env, channel, sequence);
    const layer = env ? `${env}${channel ? ` ${channel}` : ''}` : 'defaults';
    return {
      records: [{ kind: 'config', path, body: { project, environment: env, channel, sequence, entries } }],
      message: `config ${project} ${layer}: ${changes.map((c) => `${c.status === 'removed' ? '-' : c.status === 'added' ? '+' : '~'}${c.key}`).join(' ').slice(0, 200)} (seq ${sequence})`,
      result: { sequence, path, changes },
    };
  }), (unchanged: SetConfigResult) => unchanged);
  if (!('records' in res)) return res;
  return { project, env, channel, sequence: res.value.sequence, changed: true, commit: res.commit, path: res.value.path, changes: res.value.changes };
}

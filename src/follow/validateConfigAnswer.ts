import { MetaError } from '../errors/MetaError.js';
import { checkConfigKey, MAX_KEYS, MAX_LAYER_BYTES } from '../api/config/configRules.js';
import type { ConfigJson, ConfigView } from '../api/config/readConfig.js';
import { checkSecretName } from '../api/secretsPaths.js';

/**
 * The config part of a resolve answer (`include=config`) becomes a file on the host, so it is
 * checked like the rest of the answer: keys by the writers' rule, values as bounded JSON, secret
 * references by the secret-name rule, and the whole read at the answer's own commit for the
 * environment and channel the follower asked for. The follower works on the copy built here.
 */

/** Three layers at most, each within the writers' limit. */
const MAX_BYTES = 3 * MAX_LAYER_BYTES;
const MAX_DEPTH = 64;

function corrupt(field: string, rule: string): MetaError {
  return new MetaError('CORRUPT_RECORD', `the resolve answer's config${field ? `.${field}` : ''} is not valid (${rule}); not writing the config file: the server or repository is broken or hostile`, { field: `config${field ? `.${field}` : ''}` });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of a JSON value with own keys only, bounded depth, well-formed strings. */
function jsonValue(field: string, v: unknown, depth: number): ConfigJson {
  if (depth > MAX_DEPTH) throw corrupt(field, `nested deeper than ${MAX_DEPTH}`);
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw corrupt(field, 'not a finite number');
    return v;
  }
  if (typeof v === 'string') {
    if (/\p{Cs}/u.test(v)) throw corrupt(field, 'a string is not well-formed Unicode');
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => jsonValue(field, x, depth + 1));
  if (isObj(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, jsonValue(field, v[k], depth + 1)]));
  throw corrupt(field, 'not a JSON value');
}

/**
 * Checks the `config` of a resolve answer field by field and returns a fresh copy. Throws
 * CORRUPT_RECORD naming the first bad field.
 *
 * @example
 * const cfg = validateConfigAnswer(raw.config, { project: 'acme/app', env: 'prod', channel: 'stable', commit: r.commit });
 */
export function validateConfigAnswer(raw: unknown, want: { project: string; env: string; channel: string; commit: string }): ConfigView {
  if (!isObj(raw)) throw corrupt('', 'missing or not an object: the server is older than this follower, or ignored include=config');
  if (raw.project !== want.project) throw corrupt('project', `the follower asked for ${want.project}`);
  if (raw.env !== want.env) throw corrupt('env', `the follower asked for ${want.env}`);
  if (raw.channel !== want.channel) throw corrupt('channel', `the follower asked for ${want.channel}`);
  if (raw.commit !== want.commit) throw corrupt('commit', 'not the commit of the answer it came with');
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(raw.config ?? null));
  } catch {
    throw corrupt('config', 'not JSON');
  }
  if (size > MAX_BYTES) throw corrupt('config', `larger than ${MAX_BYTES} bytes`);
  if (!isObj(raw.config)) throw corrupt('config', 'not an object');
  const keys = Object.keys(raw.config);
  if (keys.length > 3 * MAX_KEYS) throw corrupt('config', `more than ${3 * MAX_KEYS} keys`);
  const config: Record<string, ConfigJson> = {};
  for (const k of keys) {
    try {
      checkConfigKey(k);
    } catch {
      throw corrupt('config', `a key is not a config key (${JSON.stringify(k.slice(0, 40)).replace(/[\u007f-\uffff]/g, '?')})`);
    }
    config[k] = jsonValue(`config.${k}`, raw.config[k], 0);
  }
  if (!isObj(raw.secrets)) throw corrupt('secrets', 'not an object');
  const secrets: ConfigView['secrets'] = {};
  for (const k of Object.keys(raw.secrets)) {
    if (!Object.prototype.hasOwnProperty.call(config, k)) throw corrupt('secrets', 'names a key the config does not have');
    const s = raw.secrets[k];
    if (!isObj(s) || typeof s.name !== 'string' || typeof s.field !== 'string' || s.resolved !== false) throw corrupt(`secrets.${k}`, 'not {name, field, resolved: false}');
    try {
      checkSecretName(s.name);
    } catch {
      throw corrupt(`secrets.${k}.name`, 'not a secret name');
    }
    if (s.field.length > 256 || /[\0-\x1f\x7f-\x9f#]/.test(s.field)) throw corrupt(`secrets.${k}.field`, 'not a field name');
    secrets[k] = { name: s.name, field: s.field, resolved: false };
  }
  // The encrypted files of the referenced secrets (a follower of a server decrypts them itself).
  const encrypted: NonNullable<ConfigView['encrypted']> = {};
  if (raw.encrypted !== undefined) {
    if (!isObj(raw.encrypted)) throw corrupt('encrypted', 'not an object');
    const wanted = new Set(Object.values(secrets).map((s) => s.name));
    for (const name of Object.keys(raw.encrypted)) {
      if (!wanted.has(name)) throw corrupt('encrypted', 'holds a secret no key refers to');
      const f = raw.encrypted[name];
      if (!isObj(f) || typeof f.version !== 'number' || !Number.isSafeInteger(f.version) || f.version < 1) throw corrupt(`encrypted.${name}.version`, 'not a whole number ≥ 1');
      if (f.format !== 'yaml' && f.format !== 'json' && f.format !== 'dotenv' && f.format !== 'binary') throw corrupt(`encrypted.${name}.format`, 'not yaml, json, dotenv or binary');
      if (typeof f.sops !== 'string' || f.sops.length > MAX_BYTES) throw corrupt(`encrypted.${name}.sops`, `not a string of at most ${MAX_BYTES} characters`);
      encrypted[name] = { version: f.version, format: f.format, sops: f.sops };
    }
  }
  const seq = isObj(raw.sequences) ? raw.sequences : {};
  const n = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
  return { project: want.project, env: want.env, channel: want.channel, commit: want.commit, config, secrets, sequences: { default: n(seq.default), env: n(seq.env), channel: n(seq.channel) }, ...(raw.encrypted !== undefined ? { encrypted } : {}) };
}

/**
 * Secret names and where their versions live at a snapshot. Pure reads of the tree: no
 * decryption, no history walk (append-only means the tip's tree lists every version ever written).
 * One module because the name rules, the version file naming and the listings encode the same
 * layout: a change to one must be a change to all.
 */
import { MetaError } from '../errors/MetaError.js';
import { checkEnvironment } from '../records/names.js';
import { secretDir, secretPath, secretsDir } from '../records/layout.js';
import type { SopsFormat } from '../secrets/store.js';
import type { Snapshot } from '../store/Snapshot.js';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const VERSION_FILE = /^(\d{10})\.sops\.(yaml|json|env|bin)$/;
const SHARD = /^\d{5}$/;

/** File extension per format (what `sops` reads the format from). */
export const SECRET_EXT: Record<SopsFormat, string> = { yaml: 'yaml', json: 'json', dotenv: 'env', binary: 'bin' };
const FORMAT_OF_EXT: Record<string, SopsFormat> = { yaml: 'yaml', json: 'json', env: 'dotenv', bin: 'binary' };

/** One stored version of a secret. */
export interface SecretVersion {
  version: number;
  path: string;
  /** Git blob id of the encrypted file. */
  oid: string;
  format: SopsFormat;
}

function bad(value: string, rule: string): MetaError {
  return new MetaError('INVALID_NAME', `invalid secret name ${JSON.stringify(value)}: ${rule}`, { what: 'secret', value });
}

/**
 * Checks a secret name (`db`, `app/smtp`): 1 to 8 segments of letters, digits, '.', '_' and '-',
 * none all digits (those name the version shards), no '..', control characters or leading '-'.
 *
 * @example
 * checkSecretName('app/db') // 'app/db'
 */
export function checkSecretName(name: string): string {
  if (name === '') throw bad(name, 'it is empty');
  if (/[\0-\x1f\x7f]/.test(name)) throw bad(name, 'it contains control characters');
  if (name.startsWith('-')) throw bad(name, "it starts with '-'");
  if (name.includes('..')) throw bad(name, "it contains '..'");
  const parts = name.split('/');
  if (parts.some((p) => p === '')) throw bad(name, "it has an empty segment (leading, trailing or doubled '/')");
  if (parts.length > 8) throw bad(name, 'use at most 8 segments');
  for (const p of parts) {
    if (!SEGMENT.test(p)) throw bad(name, `segment '${p}' may hold only letters, digits, '.', '_' and '-' (not first), up to 100 characters`);
    if (/^\d+$/.test(p)) throw bad(name, `segment '${p}' is all digits, which the layout uses for version folders; add a letter`);
  }
  return name;
}

/**
 * Splits `<env>/<name>` (the first segment is the environment) and validates both.
 *
 * @example
 * parseSecretRef('prod/app/db') // { env: 'prod', name: 'app/db' }
 */
export function parseSecretRef(ref: string): { env: string; name: string } {
  const i = ref.indexOf('/');
  if (i <= 0 || i === ref.length - 1) {
    throw new MetaError('INVALID_ARGUMENT', `secret ${JSON.stringify(ref)} must be written <env>/<name>, e.g. prod/db`, { ref });
  }
  return { env: checkEnvironment(ref.slice(0, i)), name: checkSecretName(ref.slice(i + 1)) };
}

/** The path of a version of a secret in a format. */
export function secretVersionPath(env: string, name: string, version: number, format: SopsFormat): string {
  return secretPath(env, name, version, SECRET_EXT[format]);
}

/**
 * Every version of a secret at a snapshot, oldest first (empty when it does not exist).
 *
 * @example
 * secretVersions(snap, 'prod', 'db').at(-1)?.version
 */
export function secretVersions(snap: Snapshot, env: string, name: string): SecretVersion[] {
  const dir = secretDir(env, name);
  const out: SecretVersion[] = [];
  for (const shard of snap.list(dir)) {
    if (shard.mode !== '40000' || !SHARD.test(shard.name)) continue;
    for (const f of snap.list(`${dir}/${shard.name}`)) {
      const m = VERSION_FILE.exec(f.name);
      if (!m || f.mode === '40000') continue;
      out.push({ version: Number(m[1]), path: `${dir}/${shard.name}/${f.name}`, oid: f.oid, format: FORMAT_OF_EXT[m[2]!]! });
    }
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * The newest version of a secret, reading only the last shard.
 *
 * @example
 * latestSecretVersion(snap, 'prod', 'db')?.path
 */
export function latestSecretVersion(snap: Snapshot, env: string, name: string): SecretVersion | undefined {
  const dir = secretDir(env, name);
  const shards = snap.list(dir).filter((e) => e.mode === '40000' && SHARD.test(e.name)).map((e) => e.name).sort();
  for (let i = shards.length - 1; i >= 0; i--) {
    let best: SecretVersion | undefined;
    for (const f of snap.list(`${dir}/${shards[i]}`)) {
      const m = VERSION_FILE.exec(f.name);
      if (!m || f.mode === '40000') continue;
      const version = Number(m[1]);
      if (!best || version > best.version) best = { version, path: `${dir}/${shards[i]}/${f.name}`, oid: f.oid, format: FORMAT_OF_EXT[m[2]!]! };
    }
    if (best) return best;
  }
  return undefined;
}

/**
 * The secret names of an environment at a snapshot, sorted. A folder is a secret when it holds
 * version shards; it may also hold further names (`app` and `app/db`).
 *
 * @example
 * listSecretNames(snap, 'prod') // ['api', 'app/db']
 */
export function listSecretNames(snap: Snapshot, env: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string, depth: number): void => {
    for (const e of snap.list(dir)) {
      if (e.mode !== '40000') continue;
      if (SHARD.test(e.name)) {
        if (prefix !== '' && !out.includes(prefix)) out.push(prefix);
      } else if (depth < 8) {
        walk(`${dir}/${e.name}`, prefix === '' ? e.name : `${prefix}/${e.name}`, depth + 1);
      }
    }
  };
  walk(secretsDir(env), '', 0);
  return out.sort();
}

/** Environments, and personal `env/developer` ones, that have a secrets folder at a snapshot. */
export function listSecretEnvs(snap: Snapshot): string[] {
  const out: string[] = [];
  const isDir = (path: string) => snap.entry(path)?.mode === '40000';
  for (const e of snap.list('envs')) {
    if (e.mode !== '40000') continue;
    if (isDir(secretsDir(e.name))) out.push(e.name);
    for (const d of snap.list(`envs/${e.name}`)) {
      if (d.mode === '40000' && d.name !== 'secrets' && isDir(secretsDir(`${e.name}/${d.name}`))) out.push(`${e.name}/${d.name}`);
    }
  }
  return out.sort();
}


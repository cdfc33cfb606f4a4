/**
 * Which environment and secret a reference names at a snapshot. `dev/alice/db` is the secret
 * `db` of the personal environment `dev/alice` when that environment is declared (or already
 * holds secrets); otherwise the secret `alice/db` of `dev`. A personal environment can never
 * take the name of a secret folder of its parent (`meta env add` refuses it), and a secret of
 * `dev` never starts with a developer's name (refused when written), so a reference reads one way.
 */
import { MetaError } from '../errors/MetaError.js';
import { secretsDir } from '../records/layout.js';
import { checkEnvironment } from '../records/names.js';
import type { Snapshot } from '../store/Snapshot.js';
import { readMetaSettings } from './readMetaSettings.js';
import { checkSecretName, parseSecretRef } from './secretsPaths.js';

/**
 * Whether `env` (`dev/alice`) is a personal environment at the snapshot: declared in meta.yaml,
 * or holding secrets already.
 *
 * @example
 * isPersonalEnvironment(snap, 'dev/alice') // true after `meta env add dev/alice`
 */
export function isPersonalEnvironment(snap: Snapshot, env: string): boolean {
  if (!env.includes('/')) return false;
  if (snap.entry(secretsDir(env))?.mode === '40000') return true;
  const declared = readMetaSettings(snap).environments;
  return Array.isArray(declared) && declared.includes(env);
}

/**
 * Splits a secret reference at a snapshot: `<env>/<name>`, or `<env>/<developer>/<name>` for a
 * personal environment. With `env` given, `ref` is the name alone.
 *
 * @example
 * secretRefAt(snap, 'dev/alice/db') // { env: 'dev/alice', name: 'db' } once dev/alice is declared
 * secretRefAt(snap, 'db', 'dev/alice') // the same
 */
export function secretRefAt(snap: Snapshot, ref: string, env?: string): { env: string; name: string } {
  if (env !== undefined) return { env: checkEnvironment(env), name: checkSecretName(ref) };
  const parts = ref.split('/');
  if (parts.length >= 3) {
    const personal = `${parts[0]}/${parts[1]}`;
    try {
      checkEnvironment(personal);
    } catch {
      return parseSecretRef(ref);
    }
    if (isPersonalEnvironment(snap, personal)) return { env: personal, name: checkSecretName(parts.slice(2).join('/')) };
  }
  return parseSecretRef(ref);
}

/**
 * Refuses a new secret of an environment whose first name segment is one of its developers
 * (`alice/db` in `dev` while `dev/alice` exists): `dev/alice/db` would then name two secrets.
 *
 * @example
 * checkSecretPlace(snap, 'dev', 'alice/db'); // throws INVALID_NAME when dev/alice is personal
 */
export function checkSecretPlace(snap: Snapshot, env: string, name: string): void {
  if (env.includes('/')) return;
  const first = name.split('/')[0]!;
  if (isPersonalEnvironment(snap, `${env}/${first}`)) {
    throw new MetaError('INVALID_NAME', `secret ${env}/${name}: ${env}/${first} is a personal environment, so this name would read as its secret ${name.slice(first.length + 1)}; write it there (--env ${env}/${first}) or choose another name`, { what: 'secret', value: `${env}/${name}` });
  }
}

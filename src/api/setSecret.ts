/**
 * `meta secret set`: a new version of a secret, encrypted for the environment's current
 * recipients with a fresh data key.
 */
import { MetaError } from '../errors/MetaError.js';
import { decryptTree, encryptTree, storeFor } from '../secrets/sopsFile.js';
import type { SopsFormat } from '../secrets/store.js';
import { deleteValue, emptyMap, setPairs, setValue, type SopsMap, type SopsNode } from '../secrets/tree.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { appendWithPolicy } from './autoPush.js';
import { recipientsFor } from './secretsConfig.js';
import { resolveIdentities, type IdentityOptions } from './resolveIdentities.js';
import { requireDeclaredEnvironment } from './declaredNames.js';
import { checkSecretPlace, secretRefAt } from './secretRef.js';
import { latestSecretVersion, secretVersionPath } from './secretsPaths.js';

/** Options of {@link setSecret}. */
export interface SetSecretOptions extends IdentityOptions {
  /** `<env>/<name>`, e.g. `prod/db` or `dev/alice/db` (a personal environment); the name alone when `env` is given. */
  secret: string;
  /** The environment (`prod`, `dev/alice`); then `secret` is the name alone. */
  env?: string;
  /** Top-level string values to set or replace (`key=value` on the command line). */
  values?: Iterable<readonly [string, string]>;
  /** A plaintext document (from `--file`) whose top-level keys are set or replaced. */
  document?: { data: string | Uint8Array; format: SopsFormat };
  /** Top-level keys to remove. */
  unset?: readonly string[];
  /** Start from an empty document instead of the newest version (needs no identity). */
  replace?: boolean;
  /** Format of a new secret (default: the document's format, else yaml); an existing one keeps its format. */
  format?: SopsFormat;
}

/** What {@link setSecret} wrote (never values). */
export interface SetSecretResult {
  env: string;
  name: string;
  version: number;
  previous: number | undefined;
  path: string;
  format: SopsFormat;
  /** Keys set, replaced or removed by this call. */
  keys: string[];
  recipients: string[];
  /** False when the values equal the newest version's: nothing was written. */
  changed: boolean;
  commit: string | undefined;
}

/** Stable text of a tree, to tell whether a set changes anything. */
export function treeFingerprint(node: SopsNode): string {
  return JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}

function applyChanges(base: SopsMap, opts: SetSecretOptions, format: SopsFormat): { tree: SopsMap; keys: string[] } {
  const keys: string[] = [];
  const tree = base;
  if (opts.document) {
    const branches = storeFor(opts.document.format).loadPlain(opts.document.data);
    if (branches.length !== 1) throw new MetaError('INVALID_ARGUMENT', `the file holds ${branches.length} YAML documents; a secret holds one`, {});
    for (const item of branches[0]!.items) {
      setValue(tree, [item.key], item.value);
      keys.push(item.key);
    }
  }
  const pairs = [...(opts.values ?? [])];
  if (format === 'binary' && (pairs.length > 0 || (opts.unset ?? []).length > 0)) {
    throw new MetaError('INVALID_ARGUMENT', 'a binary secret holds one file: set it with --file <file> (key=value and --unset do not apply)', {});
  }
  for (const [k] of pairs) {
    if (k === '' || k === 'sops') throw new MetaError('INVALID_ARGUMENT', `invalid key ${JSON.stringify(k)}: give key=value with a non-empty key other than "sops"`, { key: k });
  }
  setPairs(tree, pairs);
  keys.push(...pairs.map(([k]) => k));
  for (const k of opts.unset ?? []) {
    if (!deleteValue(tree, [k])) throw new MetaError('NOT_FOUND', `the secret has no key ${JSON.stringify(k)} to unset`, { key: k });
    keys.push(k);
  }
  if (keys.length === 0) throw new MetaError('INVALID_ARGUMENT', 'nothing to set: give key=value pairs, --file <file> (or - for stdin) or --unset <key>', {});
  return { tree, keys: [...new Set(keys)] };
}

/**
 * Writes a new version of a secret. An existing secret is decrypted first (so an identity is
 * needed) and the given keys are set, replaced or removed; `replace` starts from nothing. The
 * commit message names the keys, never the values. When another writer adds a version first,
 * the whole plan runs again on the new tip, so versions are never lost or reused. A new secret
 * needs its environment declared in meta.yaml (or holding secrets already): NOT_FOUND otherwise.
 *
 * @example
 * await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2']] });
 * // commit "secret set prod/db (v1, keys: password)"
 */
export async function setSecret(repo: MetaRepo, opts: SetSecretOptions): Promise<SetSecretResult> {
  let identities: string[] | undefined;
  let result: SetSecretResult | undefined;
  const plan = async (snap: Snapshot) => {
    const { env, name } = secretRefAt(snap, opts.secret, opts.env);
    const latest = latestSecretVersion(snap, env, name);
    if (!latest) {
      requireDeclaredEnvironment(snap, env);
      checkSecretPlace(snap, env, name);
    }
    const format: SopsFormat = latest?.format ?? opts.format ?? opts.document?.format ?? 'yaml';
    if (latest && opts.format && opts.format !== latest.format && !opts.replace) {
      throw new MetaError('INVALID_ARGUMENT', `${env}/${name} is stored as ${latest.format}; pass --replace to start it again as ${opts.format}`, { format: latest.format });
    }
    const newFormat = opts.replace ? (opts.format ?? latest?.format ?? opts.document?.format ?? 'yaml') : format;
    let base = emptyMap();
    let before: string | undefined;
    if (latest && !opts.replace) {
      identities ??= resolveIdentities(opts, repo.env);
      const text = Buffer.from(snap.readBlob(latest.oid)).toString('utf8');
      const doc = await decryptTree(text, latest.format, identities);
      if (doc.branches.length !== 1) throw new MetaError('INVALID_ARGUMENT', `${latest.path} holds ${doc.branches.length} documents; use --replace`, {});
      base = doc.branches[0]!;
      before = treeFingerprint(base);
    }
    const { tree, keys } = applyChanges(base, opts, newFormat);
    const version = (latest?.version ?? 0) + 1;
    const path = secretVersionPath(env, name, version, newFormat);
    const { recipients, rules } = recipientsFor(snap, env, path);
    const r: SetSecretResult = { env, name, version, previous: latest?.version, path, format: newFormat, keys, recipients, changed: true, commit: undefined };
    if (before !== undefined && before === treeFingerprint(tree) && newFormat === latest!.format) {
      throw new NothingToWrite<SetSecretResult>({ ...r, version: latest!.version, path: latest!.path, changed: false });
    }
    const text = await encryptTree([tree], newFormat, { ...rules, recipients });
    result = r;
    return { files: [{ path, data: Buffer.from(text, 'utf8') }], message: `secret set ${env}/${name} (v${version}${latest ? '' : ', new'}, keys: ${keys.join(', ')})` };
  };
  const res = await unlessNothingToWrite(appendWithPolicy(repo, plan, { actor: repo.actor }), (unchanged: SetSecretResult) => unchanged);
  return 'attempts' in res ? { ...result!, commit: res.commit } : res;
}

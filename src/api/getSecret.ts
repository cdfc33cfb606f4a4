/**
 * `meta secret get`: decrypt the newest version of a secret (or one version, or as of `--at`).
 */
import { MetaError } from '../errors/MetaError.js';
import { decryptTree, storeFor } from '../secrets/sopsFile.js';
import type { SopsFormat } from '../secrets/store.js';
import { getValue, toPlain, type PlainValue, type SopsMap, type SopsNode } from '../secrets/tree.js';
import { snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { resolveIdentities, type IdentityOptions } from './resolveIdentities.js';
import { secretRefAt } from './secretRef.js';
import { latestSecretVersion, secretVersions, type SecretVersion } from './secretsPaths.js';

/** Options of {@link getSecret}. */
export interface GetSecretOptions extends IdentityOptions {
  /** `<env>/<name>` (`dev/alice/db` for a personal environment); the name alone when `env` is given. */
  secret: string;
  /** The environment (`prod`, `dev/alice`); then `secret` is the name alone. */
  env?: string;
  /** Commit, ref or date to read at (default: the tip). */
  at?: string;
  /** A version number (default: the newest at `at`). */
  version?: number;
  /** Only this top-level key (or a dotted path when no top-level key has that name). */
  key?: string;
}

/** A decrypted secret. */
export interface SecretValue {
  env: string;
  name: string;
  version: number;
  path: string;
  format: SopsFormat;
  /** The commit read at. */
  commit: string;
  /** The decrypted tree (ordered, typed). */
  tree: SopsMap;
  /** The decrypted document in its own format (`sops -d` output); bytes for binary secrets. */
  plaintext: string | Uint8Array;
  /** Plain JavaScript view of the whole secret, or of `key` when given. */
  value: PlainValue;
}

/** Finds a version at a snapshot or throws NOT_FOUND naming what exists. */
export function requireSecretVersion(versions: () => SecretVersion[], latest: SecretVersion | undefined, ref: string, version: number | undefined, commit: string | undefined): SecretVersion {
  if (!latest) throw new MetaError('NOT_FOUND', `no secret ${ref}${commit ? ` at ${commit.slice(0, 12)}` : ''}; list them with \`meta secret ls\`, create it with \`meta secret set ${ref} key=value\``, { secret: ref });
  if (version === undefined) return latest;
  const hit = versions().find((v) => v.version === version);
  if (!hit) throw new MetaError('NOT_FOUND', `secret ${ref} has no version ${version} (newest: v${latest.version})`, { secret: ref, version });
  return hit;
}

function pick(tree: SopsMap, key: string, ref: string): SopsNode {
  const node = getValue(tree, [key]) ?? (key.includes('.') ? getValue(tree, key.split('.')) : undefined);
  if (!node) {
    throw new MetaError('NOT_FOUND', `secret ${ref} has no key ${JSON.stringify(key)} (keys: ${tree.items.map((i) => i.key).join(', ')})`, { secret: ref, key, keys: tree.items.map((i) => i.key) });
  }
  return node;
}

/**
 * Decrypts a secret after checking its MAC. Throws NOT_FOUND, NO_IDENTITY (naming the file's
 * recipients) or MAC_MISMATCH.
 *
 * @example
 * const { value } = await getSecret(repo, { secret: 'prod/db', key: 'password' });
 */
export async function getSecret(repo: MetaRepo, opts: GetSecretOptions): Promise<SecretValue> {
  const snap = snapshotAt(repo, opts.at);
  const { env, name } = secretRefAt(snap, opts.secret, opts.env);
  const ref = `${env}/${name}`;
  const v = requireSecretVersion(() => secretVersions(snap, env, name), latestSecretVersion(snap, env, name), ref, opts.version, snap.commit);
  const text = Buffer.from(snap.readBlob(v.oid)).toString('utf8');
  const doc = await decryptTree(text, v.format, resolveIdentities(opts, repo.env));
  const tree = doc.branches[0]!;
  const plaintext = storeFor(v.format).emitPlain(doc.branches);
  const value = opts.key !== undefined ? toPlain(pick(tree, opts.key, ref)) : toPlain(tree);
  return { env, name, version: v.version, path: v.path, format: v.format, commit: snap.commit!, tree, plaintext, value };
}

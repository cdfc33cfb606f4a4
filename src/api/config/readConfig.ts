/**
 * `meta config get` and the config route: the merged config of a project for an environment
 * (and channel) at one commit, secret references by name; {@link resolveConfigSecrets} replaces
 * them with values when an age identity of that environment decrypts them.
 */
import { MetaError, isMetaError } from '../../errors/MetaError.js';
import { checkChannel, checkEnvironment } from '../../records/names.js';
import type { ConfigValue } from '../../records/types.js';
import type { Snapshot } from '../../store/Snapshot.js';
import { requireDeclaredChannel, requireDeclaredEnvironment } from '../declaredNames.js';
import { requireProject, snapshotAt } from '../lookup.js';
import type { MetaRepo } from '../openMeta.js';
import type { IdentityOptions } from '../resolveIdentities.js';
import { latestSecretVersion } from '../secretsPaths.js';
import type { SopsFormat } from '../../secrets/store.js';
import { mergeConfigLayers, type ConfigLayerName } from './configLayers.js';
import { secretRefText } from './configRules.js';

/** A JSON value of the merged config: text is a string, a `--json` value its JSON, a secret reference `secret:<name>[#<field>]` until resolved. */
export type ConfigJson = string | number | boolean | null | ConfigJson[] | { [key: string]: ConfigJson };

/** The merged config at one commit (`meta config get --json`, `GET /v1/projects/<p>/config`). */
export interface ConfigView {
  project: string;
  env: string;
  channel: string;
  commit: string;
  config: Record<string, ConfigJson>;
  /** The keys whose value is a secret reference, with the secret's name and field, and whether `config` holds its value. */
  secrets: Record<string, { name: string; field: string; resolved: boolean }>;
  /** The layer each key came from (with `showLayers`). */
  layers?: Record<string, ConfigLayerName>;
  /** The version in force of each layer (0: the layer has none). */
  sequences: Record<ConfigLayerName, number>;
  /** With `config-secrets=encrypted` on resolve: the encrypted file of each referenced secret. */
  encrypted?: EncryptedSecretFiles;
}

export interface ReadConfigOptions {
  project: string;
  env: string;
  channel?: string;
  /** Commit, ref or date (default: the tip). */
  at?: string;
  showLayers?: boolean;
}

function jsonOf(v: ConfigValue): ConfigJson {
  if (v.type === 'text') return v.text;
  if (v.type === 'json') return JSON.parse(v.json) as ConfigJson;
  return secretRefText(v.name, v.field);
}

/**
 * The merged config at a snapshot. Undeclared environments and channels are refused (NOT_FOUND
 * with the closest declared names) as every command does.
 *
 * @example
 * configAt(repo, repo.store.snapshot(), { project: 'acme/app', env: 'prod', channel: 'stable' }).config
 */
export function configAt(repo: MetaRepo, snap: Snapshot, opts: Omit<ReadConfigOptions, 'at'>): ConfigView {
  const env = checkEnvironment(opts.env);
  const channel = opts.channel ? checkChannel(opts.channel) : '';
  const project = requireProject(repo, snap, opts.project).name;
  requireDeclaredEnvironment(snap, env, { project });
  if (channel) requireDeclaredChannel(snap, project, channel);
  const merged = mergeConfigLayers(repo, snap, project, env, channel);
  // fromEntries defines own keys: a key another tool wrote as `__proto__` stays a key.
  const all = [...merged.values];
  const config: Record<string, ConfigJson> = Object.fromEntries(all.map(([k, { value }]) => [k, jsonOf(value)]));
  const secrets: ConfigView['secrets'] = Object.fromEntries(all.flatMap(([k, { value: v }]) => (v.type === 'secret' ? [[k, { name: v.name, field: v.field, resolved: false }]] : [])));
  const layers: Record<string, ConfigLayerName> = Object.fromEntries(all.map(([k, { layer }]) => [k, layer]));
  return { project, env, channel, commit: snap.commit!, config, secrets, ...(opts.showLayers ? { layers } : {}), sequences: merged.sequences };
}

/**
 * The merged config of `project` for `env` (and `channel`) at `at`.
 *
 * @example
 * const view = await readConfig(repo, { project: 'acme/app', env: 'prod', channel: 'stable', showLayers: true });
 */
export function readConfig(repo: MetaRepo, opts: ReadConfigOptions): ConfigView {
  return configAt(repo, snapshotAt(repo, opts.at), opts);
}

function plainJson(v: unknown): ConfigJson {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('utf8') : x))) as ConfigJson;
}

/** The encrypted SOPS file of each secret a view refers to, at the view's commit (`include=config&config-secrets=encrypted`). */
export type EncryptedSecretFiles = Record<string, { version: number; format: SopsFormat; sops: string }>;

/**
 * The newest encrypted version of every secret `view` refers to, at `snap` (which must be the
 * view's commit): what a follower of a server decrypts with its own identity. Ciphertext only,
 * as the repository holds it; the server never decrypts.
 *
 * @example
 * const files = encryptedSecretFiles(snap, configAt(repo, snap, { project: 'acme/app', env: 'prod' }));
 */
export function encryptedSecretFiles(snap: Snapshot, view: ConfigView): EncryptedSecretFiles {
  const out: EncryptedSecretFiles = {};
  for (const { name } of Object.values(view.secrets)) {
    if (Object.hasOwn(out, name)) continue;
    const v = latestSecretVersion(snap, view.env, name);
    if (v) out[name] = { version: v.version, format: v.format, sops: Buffer.from(snap.readBlob(v.oid)).toString('utf8') };
  }
  return out;
}

/**
 * Replaces the secret references of a view with the values `decrypt` returns for each secret
 * (decrypted once per secret). NO_IDENTITY from `decrypt` names the config key; a field the secret
 * does not have is NOT_FOUND.
 *
 * @example
 * const view = await resolveConfigSecretsWith(v, async (name) => ({ password: 'x' }));
 */
export async function resolveConfigSecretsWith(view: ConfigView, decrypt: (name: string) => Promise<unknown>): Promise<ConfigView> {
  const decrypted = new Map<string, unknown>();
  const config = { ...view.config };
  const secrets: ConfigView['secrets'] = { ...view.secrets };
  for (const [key, ref] of Object.entries(view.secrets)) {
    let whole = decrypted.get(ref.name);
    if (whole === undefined) {
      try {
        whole = await decrypt(ref.name);
      } catch (e) {
        if (isMetaError(e, 'NO_IDENTITY')) {
          throw new MetaError('NO_IDENTITY', `config ${key} refers to secret ${view.env}/${ref.name}, and no age identity here decrypts it: use a key of environment ${view.env} (--identity, $SOPS_AGE_KEY_FILE), or leave out --resolve-secrets to see references by name`, { key, env: view.env, secret: ref.name, recipients: e.data.recipients });
        }
        throw e;
      }
      decrypted.set(ref.name, whole);
    }
    let value: unknown = whole;
    if (ref.field) {
      const map = whole !== null && typeof whole === 'object' && !(whole instanceof Uint8Array) && !Array.isArray(whole) ? (whole as Record<string, unknown>) : {};
      if (!Object.prototype.hasOwnProperty.call(map, ref.field)) {
        throw new MetaError('NOT_FOUND', `config ${key} refers to field ${JSON.stringify(ref.field)} of secret ${view.env}/${ref.name}, which has no such key; fix the reference with 'meta config set … --secret ${key}=${ref.name}#<field>'`, { key, secret: ref.name, field: ref.field });
      }
      value = map[ref.field];
    }
    Object.defineProperty(config, key, { value: plainJson(value), enumerable: true, writable: true, configurable: true });
    Object.defineProperty(secrets, key, { value: { ...ref, resolved: true }, enumerable: true, writable: true, configurable: true });
  }
  return { ...view, config, secrets };
}

/**
 * Replaces the secret references of a view with their values, decrypted at the view's commit
 * with the caller's age identities (MAC checked). An identity of another environment does not
 * decrypt: NO_IDENTITY names the key and the secret. A missing field is NOT_FOUND.
 *
 * @example
 * const view = await resolveConfigSecrets(repo, readConfig(repo, { project: 'acme/app', env: 'prod' }), { identityFiles: ['/etc/meta/prod.txt'] });
 */
export async function resolveConfigSecrets(repo: MetaRepo, view: ConfigView, ids: IdentityOptions): Promise<ConfigView> {
  const { getSecret } = await import('../getSecret.js');
  return resolveConfigSecretsWith(view, async (name) => (await getSecret(repo, { secret: name, env: view.env, at: view.commit, ...ids })).value);
}

/**
 * Replaces the secret references of a view with their values decrypted from `files` (what a
 * server sent with `config-secrets=encrypted`) with the caller's identities, MAC checked. A secret
 * missing from `files` is NOT_FOUND.
 *
 * @example
 * const view = await resolveConfigSecretsFromFiles(answer.config, answer.config.encrypted, { identityFiles: ['/etc/meta/prod.txt'] });
 */
export async function resolveConfigSecretsFromFiles(view: ConfigView, files: EncryptedSecretFiles, ids: IdentityOptions): Promise<ConfigView> {
  const { decryptTree } = await import('../../secrets/sopsFile.js');
  const { toPlain } = await import('../../secrets/tree.js');
  const { resolveIdentities } = await import('../resolveIdentities.js');
  let identities: string[] | undefined;
  return resolveConfigSecretsWith(view, async (name) => {
    const f = Object.hasOwn(files, name) ? files[name]! : undefined;
    if (!f) throw new MetaError('NOT_FOUND', `the server sent no encrypted file of secret ${view.env}/${name}; upgrade the server`, { secret: name });
    identities ??= resolveIdentities(ids);
    const doc = await decryptTree(f.sops, f.format, identities);
    return toPlain(doc.branches[0]!);
  });
}

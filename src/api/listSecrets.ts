/**
 * `meta secret ls`: which secrets exist, how many versions, who wrote the newest and when, and
 * for whom each version is encrypted. Never values: nothing here decrypts.
 */
import { readMetadata } from '../secrets/sopsFile.js';
import type { SopsFormat } from '../secrets/store.js';
import { checkEnvironment } from '../records/names.js';
import type { Snapshot } from '../store/Snapshot.js';
import { snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { secretRefAt } from './secretRef.js';
import { latestSecretVersion, listSecretEnvs, listSecretNames, secretVersions, type SecretVersion } from './secretsPaths.js';
import { requireSecretVersion } from './getSecret.js';

/** Who added a version, from the log index. */
export interface SecretVersionInfo {
  version: number;
  path: string;
  format: SopsFormat;
  commit: string | undefined;
  author: string | undefined;
  time: string | undefined;
  /** Age recipients the version is encrypted for (public keys, from its metadata). */
  recipients: string[];
}

/** One secret in {@link listSecrets}. */
export interface SecretListing {
  env: string;
  name: string;
  versions: number;
  latest: SecretVersionInfo;
}

function info(repo: MetaRepo, snap: Snapshot, v: SecretVersion): SecretVersionInfo {
  // Append-only: the commit that added a path is the same in every later history, so the
  // branch's index answers for any snapshot that holds the path.
  const added = repo.store.log().addedBy(v.path);
  let recipients: string[] = [];
  try {
    recipients = readMetadata(Buffer.from(snap.readBlob(v.oid)).toString('utf8'), v.format).age.map((a) => a.recipient);
  } catch {
    // A damaged file still lists; `get` reports the damage.
  }
  return {
    version: v.version,
    path: v.path,
    format: v.format,
    commit: added?.commit,
    author: added?.author,
    time: added ? new Date(added.time * 1000).toISOString() : undefined,
    recipients,
  };
}

/**
 * Lists the secrets of one environment (or all), newest version of each.
 *
 * @example
 * for (const s of listSecrets(repo, { env: 'prod' })) console.log(s.name, s.versions, s.latest.author);
 */
export function listSecrets(repo: MetaRepo, opts: { env?: string; at?: string } = {}): SecretListing[] {
  const snap = snapshotAt(repo, opts.at);
  const envs = opts.env !== undefined ? [checkEnvironment(opts.env)] : listSecretEnvs(snap);
  const out: SecretListing[] = [];
  for (const env of envs) {
    for (const name of listSecretNames(snap, env)) {
      const latest = latestSecretVersion(snap, env, name);
      if (!latest) continue;
      out.push({ env, name, versions: secretVersions(snap, env, name).length, latest: info(repo, snap, latest) });
    }
  }
  return out;
}

/**
 * Every version of one secret, oldest first, with who added it and when.
 *
 * @example
 * secretHistory(repo, { secret: 'prod/db' }).map((v) => `${v.version} ${v.author} ${v.time}`)
 */
export function secretHistory(repo: MetaRepo, opts: { secret: string; env?: string; at?: string }): SecretVersionInfo[] {
  const snap = snapshotAt(repo, opts.at);
  const { env, name } = secretRefAt(snap, opts.secret, opts.env);
  const versions = secretVersions(snap, env, name);
  requireSecretVersion(() => versions, versions.at(-1), `${env}/${name}`, undefined, snap.commit);
  return versions.map((v) => info(repo, snap, v));
}

/**
 * `meta config history`: every version of one config layer with who wrote it, when, in which
 * commit, and what changed against the version before (secret references by name).
 */
import { MetaError } from '../../errors/MetaError.js';
import { checkChannel, checkEnvironment } from '../../records/names.js';
import { requireProject, snapshotAt } from '../lookup.js';
import type { MetaRepo } from '../openMeta.js';
import { configLayerVersions } from './configLayers.js';
import { configChanges, type ConfigChange } from './setConfig.js';

export interface ConfigHistoryEntry {
  sequence: number;
  /** The commit that added the version; null when a shallow clone does not know it. */
  commit: string | null;
  time: string;
  actor: string;
  changes: ConfigChange[];
  githash: string;
  path: string;
}

/**
 * The versions of the layer of `env` (and `channel`), or of the project defaults, oldest first.
 *
 * @example
 * for (const v of configHistory(repo, { project: 'acme/app', env: 'prod' })) console.log(v.sequence, v.actor, v.changes);
 */
export function configHistory(repo: MetaRepo, opts: { project: string; env?: string; channel?: string; at?: string }): ConfigHistoryEntry[] {
  const env = opts.env ? checkEnvironment(opts.env) : '';
  const channel = opts.channel ? checkChannel(opts.channel) : '';
  if (channel && !env) throw new MetaError('INVALID_ARGUMENT', '--channel needs --env: a channel layer belongs to one environment', { channel });
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const log = repo.store.log();
  let before: readonly import('../../records/types.js').ConfigEntry[] = [];
  return configLayerVersions(snap, project, env, channel).map((v) => {
    const r = repo.reader.byOid(snap, v.githash, 'config', { path: v.path, commit: snap.commit });
    const changes = configChanges(before, r.entries);
    before = r.entries;
    return { sequence: v.sequence, commit: log.addedIn(v.path, snap.commit) ?? null, time: r.header.createdAt, actor: r.header.actor, changes, githash: v.githash, path: v.path };
  });
}

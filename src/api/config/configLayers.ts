/**
 * Reading config layers at a snapshot: the versions of one layer (a directory listing of the
 * tree, never a walk of history) and the merged view of project defaults < environment <
 * environment + channel, key by key.
 */
import { configDir } from '../../records/layout.js';
import type { Config, ConfigValue } from '../../records/types.js';
import type { Snapshot } from '../../store/Snapshot.js';
import type { MetaRepo } from '../openMeta.js';

const SHARD = /^\d{5}$/;
const SEQ_FILE = /^(\d{10})\.pb$/;

/** Which layer a key of the merged view came from. */
export type ConfigLayerName = 'default' | 'env' | 'channel';

/** One stored version of a layer. */
export interface ConfigLayerVersion {
  sequence: number;
  path: string;
  githash: string;
}

/**
 * Every version of one layer at a snapshot, oldest first.
 *
 * @example
 * configLayerVersions(snap, 'acme/app', 'prod', '').at(-1)?.sequence
 */
export function configLayerVersions(snap: Snapshot, project: string, env: string, channel: string): ConfigLayerVersion[] {
  const dir = configDir(project, env, channel);
  const out: ConfigLayerVersion[] = [];
  for (const shard of snap.list(dir)) {
    if (shard.mode !== '40000' || !SHARD.test(shard.name)) continue;
    for (const f of snap.list(`${dir}/${shard.name}`)) {
      const m = SEQ_FILE.exec(f.name);
      if (!m || f.mode === '40000') continue;
      out.push({ sequence: Number(m[1]), path: `${dir}/${shard.name}/${f.name}`, githash: f.oid });
    }
  }
  return out.sort((a, b) => a.sequence - b.sequence);
}

/** The newest version of a layer, decoded; undefined when the layer has none. */
export function latestConfigLayer(repo: MetaRepo, snap: Snapshot, project: string, env: string, channel: string): (ConfigLayerVersion & { record: Config }) | undefined {
  const v = configLayerVersions(snap, project, env, channel).at(-1);
  if (!v) return undefined;
  return { ...v, record: repo.reader.byOid(snap, v.githash, 'config', { path: v.path, commit: snap.commit }) };
}

/** The merged config: each key's value and the layer it came from, keys sorted. */
export interface MergedConfig {
  values: Map<string, { value: ConfigValue; layer: ConfigLayerName }>;
  /** The sequence in force of each layer (0: none yet). */
  sequences: Record<ConfigLayerName, number>;
}

/**
 * Merges the layers in force at `snap`: project defaults, then `env`, then `env` + `channel`
 * (when given); a later layer's key wins.
 *
 * @example
 * mergeConfigLayers(repo, snap, 'acme/app', 'prod', 'stable').values.get('LOG_LEVEL')
 */
export function mergeConfigLayers(repo: MetaRepo, snap: Snapshot, project: string, env: string, channel: string): MergedConfig {
  const layers: [ConfigLayerName, string, string][] = [['default', '', ''], ['env', env, '']];
  if (channel) layers.push(['channel', env, channel]);
  const merged = new Map<string, { value: ConfigValue; layer: ConfigLayerName }>();
  const sequences: Record<ConfigLayerName, number> = { default: 0, env: 0, channel: 0 };
  for (const [name, e, c] of layers) {
    const l = latestConfigLayer(repo, snap, project, e, c);
    if (!l) continue;
    sequences[name] = l.sequence;
    for (const entry of l.record.entries) merged.set(entry.key, { value: entry.value, layer: name });
  }
  return { values: new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), sequences };
}

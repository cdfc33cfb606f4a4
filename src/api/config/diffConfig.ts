/**
 * The config half of `meta diff`: how the merged config of an environment (and channel) differs
 * between two moments, key by key, secret references by name.
 */
import { checkChannel, checkEnvironment } from '../../records/names.js';
import type { ConfigEntry } from '../../records/types.js';
import { requireProject, snapshotAt } from '../lookup.js';
import type { MetaRepo } from '../openMeta.js';
import { mergeConfigLayers } from './configLayers.js';
import { configChanges, type ConfigChange } from './setConfig.js';

export interface ConfigDiff {
  env: string;
  channel: string;
  from: { commit: string };
  to: { commit: string };
  changes: ConfigChange[];
}

/**
 * The changes of the merged config of `env` (+ `channel`) from `from` to `to` (commits, refs or dates).
 *
 * @example
 * diffConfig(repo, { project: 'acme/app', env: 'prod', channel: 'stable', from: '2026-01-01', to: 'HEAD' }).changes
 */
export function diffConfig(repo: MetaRepo, opts: { project: string; env: string; channel?: string; from: string; to: string }): ConfigDiff {
  const env = checkEnvironment(opts.env);
  const channel = opts.channel ? checkChannel(opts.channel) : '';
  const a = snapshotAt(repo, opts.from);
  const b = snapshotAt(repo, opts.to);
  const project = requireProject(repo, b, opts.project).name;
  const entries = (snap: typeof a): ConfigEntry[] => [...mergeConfigLayers(repo, snap, project, env, channel).values].map(([key, { value }]) => ({ key, value }));
  return { env, channel, from: { commit: a.commit! }, to: { commit: b.commit! }, changes: configChanges(entries(a), entries(b)) };
}

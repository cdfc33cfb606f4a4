import { projectDir } from '../records/layout.js';
import type { ConfigValue } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';

/** A config value as shown to people: text and JSON as written, a secret by name only (its value is never read). */
export type ConfigValueView = { type: 'text'; text: string } | { type: 'json'; json: string } | { type: 'secret'; name: string; field: string };

export interface ConfigLayerView {
  /** '' for project defaults. */
  environment: string;
  /** '' for a whole environment's layer. */
  channel: string;
  sequence: number;
  at: string;
  by: string;
  entries: { key: string; value: ConfigValueView }[];
}

export interface FlagView {
  key: string;
  state: string;
  defaultVariant: string;
  /** Variant names with their values as JSON text. */
  variants: { name: string; value: string }[];
}

export interface FlagSetView {
  channel: string;
  sequence: number;
  at: string;
  by: string;
  flags: FlagView[];
  /** Set when the stored document does not parse as a flag definition. */
  error?: string;
}

export interface ProjectSettingsView {
  config: ConfigLayerView[];
  flags: FlagSetView[];
}

/** The newest `.pb` below `dir/<5-digit shard>/`, or undefined. */
function newest(snap: Snapshot, dir: string): { path: string; oid: string } | undefined {
  const shards = snap.list(dir).filter((e) => e.mode === '40000' && /^\d{5}$/.test(e.name)).map((e) => e.name).sort();
  for (let i = shards.length - 1; i >= 0; i--) {
    const files = snap.list(`${dir}/${shards[i]}`).filter((e) => /^\d{10}\.pb$/.test(e.name)).map((e) => e.name).sort();
    const last = files[files.length - 1];
    if (last) return { path: `${dir}/${shards[i]}/${last}`, oid: snap.entry(`${dir}/${shards[i]}/${last}`)!.oid };
  }
  return undefined;
}

function valueView(v: ConfigValue): ConfigValueView {
  // Spelled out per type so a secret's view can only ever carry its name and field.
  if (v.type === 'secret') return { type: 'secret', name: v.name, field: v.field };
  if (v.type === 'json') return { type: 'json', json: v.json };
  return { type: 'text', text: v.text };
}

function flagsOf(document: string): { flags: FlagView[]; error?: string } {
  try {
    const doc = JSON.parse(document) as { flags?: Record<string, { state?: unknown; defaultVariant?: unknown; variants?: Record<string, unknown> }> };
    const flags = Object.entries(doc.flags ?? {}).map(([key, f]) => ({
      key, state: String(f?.state ?? ''), defaultVariant: String(f?.defaultVariant ?? ''),
      variants: Object.entries(f?.variants ?? {}).map(([name, value]) => ({ name, value: JSON.stringify(value) ?? 'null' })),
    }));
    return { flags: flags.sort((a, b) => (a.key < b.key ? -1 : 1)) };
  } catch {
    return { flags: [], error: 'the flag document does not parse' };
  }
}

/**
 * A project's newest config layers (defaults, per environment, per environment and channel) and
 * each channel's newest flag set, at a snapshot. Secrets appear by name only.
 *
 * @example
 * const s = projectSettingsView(repo, repo.store.snapshot(), 'acme/app');
 * s.flags.find((f) => f.channel === 'stable')?.flags.map((f) => f.key);
 */
export function projectSettingsView(repo: MetaRepo, snap: Snapshot, project: string): ProjectSettingsView {
  const base = `${projectDir(project)}/config`;
  const layers: { env: string; channel: string; dir: string }[] = [{ env: '', channel: '', dir: `${base}/default` }];
  // env/<env>[/<developer>]/[channel/<c>/]: walk environment folders (two levels for personal ones).
  const walkEnv = (dir: string, env: string, depth: number) => {
    layers.push({ env, channel: '', dir });
    for (const e of snap.list(dir)) {
      if (e.mode !== '40000' || /^\d{5}$/.test(e.name)) continue;
      if (e.name === 'channel') {
        for (const c of snap.list(`${dir}/channel`)) if (c.mode === '40000') layers.push({ env, channel: c.name, dir: `${dir}/channel/${c.name}` });
      } else if (depth < 1) walkEnv(`${dir}/${e.name}`, `${env}/${e.name}`, depth + 1);
    }
  };
  for (const e of snap.list(`${base}/env`)) if (e.mode === '40000') walkEnv(`${base}/env/${e.name}`, e.name, 0);
  const config: ConfigLayerView[] = [];
  for (const l of layers) {
    const hit = newest(snap, l.dir);
    if (!hit) continue;
    const r = repo.reader.byOid(snap, hit.oid, 'config', { path: hit.path, commit: snap.commit });
    config.push({ environment: l.env, channel: l.channel, sequence: r.sequence, at: r.header.createdAt, by: r.header.actor, entries: r.entries.map((e) => ({ key: e.key, value: valueView(e.value) })) });
  }
  const flags: FlagSetView[] = [];
  for (const c of snap.list(`${projectDir(project)}/flags`)) {
    if (c.mode !== '40000') continue;
    const hit = newest(snap, `${projectDir(project)}/flags/${c.name}`);
    if (!hit) continue;
    const r = repo.reader.byOid(snap, hit.oid, 'flags', { path: hit.path, commit: snap.commit });
    flags.push({ channel: c.name, sequence: r.sequence, at: r.header.createdAt, by: r.header.actor, ...flagsOf(r.document) });
  }
  return { config, flags };
}

import { diffChannel, type ChannelDiff } from './diffChannel.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { projectSettingsView, type ConfigValueView, type ProjectSettingsView } from './projectSettingsView.js';

type Change = 'added' | 'removed' | 'changed' | 'same';

/** One config key of one layer on each side; a secret is shown as `secret <name>[ field <f>]`, never a value. */
export interface ConfigChange { layer: string; key: string; from: string | null; to: string | null; status: Change }

/** One flag of one channel on each side, as `<state> default=<variant> <variant>=<value> …`. */
export interface FlagChange { channel: string; flag: string; from: string | null; to: string | null; status: Change }

function valueText(v: ConfigValueView): string {
  return v.type === 'secret' ? `secret ${v.name}${v.field ? ` field ${v.field}` : ''}` : v.type === 'json' ? v.json : v.text;
}

function configMap(s: ProjectSettingsView): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of s.config) {
    const layer = l.environment ? `${l.environment}${l.channel ? `/${l.channel}` : ''}` : 'defaults';
    for (const e of l.entries) m.set(`${layer}\n${e.key}`, valueText(e.value));
  }
  return m;
}

function flagMap(s: ProjectSettingsView): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of s.flags) for (const x of f.flags) m.set(`${f.channel}\n${x.key}`, `${x.state} default=${x.defaultVariant} ${x.variants.map((v) => `${v.name}=${v.value}`).join(' ')}`.trim());
  return m;
}

function changes(a: Map<string, string>, b: Map<string, string>): { a: string; b: string; from: string | null; to: string | null; status: Change }[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort().map((k) => {
    const [x, y] = k.split('\n') as [string, string];
    const from = a.get(k) ?? null;
    const to = b.get(k) ?? null;
    return { a: x, b: y, from, to, status: from === null ? 'added' : to === null ? 'removed' : from === to ? 'same' : 'changed' };
  });
}

/** A project at two moments: per channel, the release on each side and what changed. */
export interface MomentsDiff {
  project: string;
  from: { at: string; commit: string; time: string };
  to: { at: string; commit: string; time: string };
  channels: ChannelDiff[];
  /** Config keys per layer on each side (only those that differ). */
  config: ConfigChange[];
  /** Flags per channel on each side (only those that differ). */
  flags: FlagChange[];
}

/**
 * Diffs every channel of a project (those present on either side) between two moments (commits,
 * refs or dates): per channel the release, each repository's commit range, imports and binaries;
 * and the config keys and flags that differ (a secret by name only).
 *
 * @example
 * diffMoments(repo, { project: 'acme/app', from: '2026-03-01', to: 'HEAD' }).channels.filter((c) => c.changed);
 */
export function diffMoments(repo: MetaRepo, opts: { project: string; from: string; to: string }): MomentsDiff {
  const a = snapshotAt(repo, opts.from);
  const b = snapshotAt(repo, opts.to);
  const project = requireProject(repo, b, opts.project).name;
  const names = new Set<string>();
  for (const s of [a, b]) if (s.exists(`projects/${project}/project.pb`)) for (const c of listChannelNames(s, project)) names.add(c);
  const sa = projectSettingsView(repo, a, project);
  const sb = projectSettingsView(repo, b, project);
  const time = (commit: string) => new Date(repo.store.readCommit(commit).committer.timestamp * 1000).toISOString();
  return {
    project,
    from: { at: opts.from, commit: a.commit!, time: time(a.commit!) },
    to: { at: opts.to, commit: b.commit!, time: time(b.commit!) },
    channels: [...names].sort().map((channel) => diffChannel(repo, { project, channel, from: a.commit!, to: b.commit! })),
    config: changes(configMap(sa), configMap(sb)).filter((c) => c.status !== 'same').map((c) => ({ layer: c.a, key: c.b, from: c.from, to: c.to, status: c.status })),
    flags: changes(flagMap(sa), flagMap(sb)).filter((c) => c.status !== 'same').map((c) => ({ channel: c.a, flag: c.b, from: c.from, to: c.to, status: c.status })),
  };
}

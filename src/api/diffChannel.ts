import type { ReleaseRef } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import { binariesDir, channelDir, flagsDir } from '../records/layout.js';
import { diffFlagDocuments, type FlagChange } from '../flags/diffFlagDocuments.js';
import { EMPTY_FLAG_DOCUMENT, latestFlagSet } from './readFlagSet.js';
import { checkChannel } from '../records/names.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { requireChannel, requireProject, snapshotAt } from './lookup.js';

export interface SideView {
  at: string;
  commit: string;
  release: ReleaseRef | null;
  sequence: number;
}

export interface ChannelDiff {
  project: string;
  channel: string;
  from: SideView;
  to: SideView;
  changed: boolean;
  /** One entry per source repository (url + path) on either side. */
  sources: { url: string; path: string; from: string | null; to: string | null; status: 'added' | 'removed' | 'changed' | 'same' }[];
  binaries: { platform: string; from: string | null; to: string | null; status: 'added' | 'removed' | 'changed' | 'same' }[];
  /** One entry per imported module on either side: its version (or release githash when no version was recorded). */
  imports: { module: string; from: string | null; to: string | null; status: 'added' | 'removed' | 'changed' | 'same' }[];
  /** The channel's flag set on each side (its version, 0 for none) and the flags that differ. */
  flags: { from: number; to: number; changes: FlagChange[]; sets: string[] };
}

function side(repo: MetaRepo, snap: Snapshot, project: string, channel: string, at: string): SideView {
  const s = channelState(snap, repo.reader, project, channel);
  return { at, commit: snap.commit!, release: s.current, sequence: s.lastSequence };
}

function binaries(repo: MetaRepo, snap: Snapshot, project: string, ref: ReleaseRef | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!ref) return out;
  const dir = binariesDir(project, ref.version);
  for (const e of snap.list(dir)) {
    if (!e.name.endsWith('.pb')) continue;
    const b = repo.reader.byOid(snap, e.oid, 'binary', { path: `${dir}/${e.name}`, commit: snap.commit });
    out.set(e.name.slice(0, -3).split('-').join('/'), b.digest);
  }
  return out;
}

function compare<V>(a: Map<string, V>, b: Map<string, V>) {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.map((k) => {
    const x = a.get(k) ?? null;
    const y = b.get(k) ?? null;
    const status = x === null ? 'added' : y === null ? 'removed' : x === y ? 'same' : 'changed';
    return { key: k, from: x, to: y, status } as const;
  });
}

function flagsDiff(repo: MetaRepo, a: Snapshot, b: Snapshot, project: string, channel: string): ChannelDiff['flags'] {
  const x = latestFlagSet(a, repo.reader, project, channel);
  const y = latestFlagSet(b, repo.reader, project, channel);
  const d = diffFlagDocuments(x?.record.document ?? EMPTY_FLAG_DOCUMENT, y?.record.document ?? EMPTY_FLAG_DOCUMENT);
  return { from: x?.record.sequence ?? 0, to: y?.record.sequence ?? 0, changes: d.flags, sets: d.sets };
}

/**
 * What changed on a channel between two moments (commits, refs or dates): the release on each
 * side, each source repository's commit, the binaries, and the flags of its flag set.
 *
 * @example
 * const d = diffChannel(repo, { project: 'acme/app', channel: 'stable', from: '2026-03-01', to: 'HEAD' });
 */
export function diffChannel(repo: MetaRepo, opts: { project: string; channel: string; from: string; to: string }): ChannelDiff {
  const a = snapshotAt(repo, opts.from);
  const b = snapshotAt(repo, opts.to);
  const project = requireProject(repo, b, opts.project).name;
  // A channel that starts between the two sides is a diff from nothing; one on neither side is a typo.
  if (!a.exists(channelDir(project, checkChannel(opts.channel))) && !b.exists(flagsDir(project, opts.channel))) requireChannel(b, project, opts.channel);
  const from = side(repo, a, project, opts.channel, opts.from);
  const to = side(repo, b, project, opts.channel, opts.to);
  const srcMap = (snap: Snapshot, ref: ReleaseRef | null) => {
    const m = new Map<string, string>();
    if (ref) for (const s of repo.reader.byOid(snap, ref.githash, 'release', { commit: snap.commit }).sources) m.set(`${s.url}\n${s.path}`, s.commit);
    return m;
  };
  const importMap = (snap: Snapshot, ref: ReleaseRef | null) => {
    const m = new Map<string, string>();
    if (ref) for (const i of repo.reader.byOid(snap, ref.githash, 'release', { commit: snap.commit }).imports) m.set(i.module, i.version || i.githash);
    return m;
  };
  return {
    project,
    channel: opts.channel,
    from,
    to,
    changed: from.release?.githash !== to.release?.githash,
    sources: compare(srcMap(a, from.release), srcMap(b, to.release)).map((c) => {
      const [url, path] = c.key.split('\n');
      return { url: url!, path: path!, from: c.from, to: c.to, status: c.status };
    }),
    binaries: compare(binaries(repo, a, project, from.release), binaries(repo, b, project, to.release)).map((c) => ({ platform: c.key, from: c.from, to: c.to, status: c.status })),
    imports: compare(importMap(a, from.release), importMap(b, to.release)).map((c) => ({ module: c.key, from: c.from, to: c.to, status: c.status })),
    flags: flagsDiff(repo, a, b, project, opts.channel),
  };
}

import { diffChannel, type ChannelDiff } from './diffChannel.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';

/** A project at two moments: per channel, the release on each side and what changed. */
export interface MomentsDiff {
  project: string;
  from: { at: string; commit: string; time: string };
  to: { at: string; commit: string; time: string };
  channels: ChannelDiff[];
}

/**
 * Diffs every channel of a project (those present on either side) between two moments (commits,
 * refs or dates): per channel the release, each repository's commit range, imports and binaries.
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
  const time = (commit: string) => new Date(repo.store.readCommit(commit).committer.timestamp * 1000).toISOString();
  return {
    project,
    from: { at: opts.from, commit: a.commit!, time: time(a.commit!) },
    to: { at: opts.to, commit: b.commit!, time: time(b.commit!) },
    channels: [...names].sort().map((channel) => diffChannel(repo, { project, channel, from: a.commit!, to: b.commit! })),
  };
}

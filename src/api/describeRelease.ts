import type { PromotionAction, Release } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import { releaseYank, type YankInfo } from '../resolve/releaseYank.js';
import { listChannelNames, requireProject, requireRelease, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { releaseBinaries, type BinarySummary } from './releaseBinaries.js';
import { releaseEvidence, type ReleaseEvidence } from './releaseEvidence.js';
import { releaseImporters, type Importer } from './releaseImporters.js';

/** Everything the release page shows about one release, read at one commit. */
export interface ReleaseDetail {
  project: string;
  version: string;
  githash: string;
  path: string;
  commit: string;
  release: Release;
  binaries: BinarySummary[];
  yank: YankInfo | null;
  /** The channels it is live on, since when and by whom. */
  live: { channel: string; since: string; by: string; sequence: number }[];
  /** Every channel record that names it, oldest first. */
  promotions: { channel: string; sequence: number; action: PromotionAction; time: string; actor: string; reason: string }[];
  /** The releases (of any project) that import this project at this version. */
  importers: Importer[];
  /** Approvals, verifications and gate results per channel, and verified copies of the binaries. */
  evidence: ReleaseEvidence;
}

/**
 * One release with its sources, imports and importers, binaries, where it is live and since
 * when, every channel record that names it, and its evidence (approvals, verifications, gate
 * results, verified binary locations).
 *
 * @example
 * const d = describeRelease(repo, { project: 'acme/app', version: '1.4.2' });
 * console.log(d.live.map((l) => `${l.channel} since ${l.since}`));
 */
export function describeRelease(repo: MetaRepo, opts: { project: string; version: string; at?: string }): ReleaseDetail {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const rel = requireRelease(repo, snap, project, opts.version);
  const live: ReleaseDetail['live'] = [];
  const promotions: ReleaseDetail['promotions'] = [];
  for (const channel of listChannelNames(snap, project)) {
    const s = channelState(snap, repo.reader, project, channel);
    if (s.current?.githash === rel.githash && s.currentEntry) {
      live.push({ channel, since: s.currentEntry.record.header.createdAt, by: s.currentEntry.record.header.actor, sequence: s.currentEntry.record.sequence });
    }
    for (const e of s.entries) {
      if (e.record.release.githash !== rel.githash) continue;
      promotions.push({ channel, sequence: e.record.sequence, action: e.record.action, time: e.record.header.createdAt, actor: e.record.header.actor, reason: e.record.reason });
    }
  }
  promotions.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return {
    project, version: opts.version, githash: rel.githash, path: rel.path, commit: snap.commit!, release: rel.record,
    binaries: releaseBinaries(repo, snap, project, opts.version), yank: releaseYank(snap, repo.reader, project, opts.version),
    live, promotions, importers: releaseImporters(repo, { module: project, version: opts.version, at: snap.commit }),
    evidence: releaseEvidence(repo, snap, project, opts.version),
  };
}

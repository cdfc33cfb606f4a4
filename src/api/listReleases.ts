import { projectDir } from '../records/layout.js';
import { channelState } from '../resolve/channelState.js';
import { releaseYank, type YankInfo } from '../resolve/releaseYank.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pageOf, type Page } from './pageOf.js';
import { releaseBinaries, type BinarySummary } from './releaseBinaries.js';
import { releaseEvidence, type ReleaseEvidence } from './releaseEvidence.js';

/** One release of a project's release list. */
export interface ReleaseSummary {
  version: string;
  githash: string;
  recordedAt: string;
  recordedBy: string;
  sources: number;
  binaries: BinarySummary[];
  /** The channels it is live on at the read commit. */
  liveOn: string[];
  yank: YankInfo | null;
  /** Verified copies of its binaries (replication), with their regions. */
  verifiedLocations: ReleaseEvidence['locations'];
}

export interface ReleaseList extends Page<ReleaseSummary> {
  project: string;
  commit: string;
}

/**
 * A project's releases, newest first (by the time recorded, then version), one page at a time;
 * each with its binaries, yank, and the channels it is live on. The cursor is a version.
 *
 * @example
 * const first = listReleases(repo, { project: 'acme/app', limit: 20 });
 * const second = first.next ? listReleases(repo, { project: 'acme/app', limit: 20, cursor: first.next }) : null;
 */
export function listReleases(repo: MetaRepo, opts: { project: string; at?: string; limit?: number; cursor?: string }): ReleaseList {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const base = `${projectDir(project)}/releases`;
  const all: { version: string; githash: string; recordedAt: string; recordedBy: string; sources: number }[] = [];
  for (const shard of snap.list(base)) {
    if (shard.mode !== '40000') continue;
    for (const dir of snap.list(`${base}/${shard.name}`)) {
      if (dir.mode !== '40000') continue;
      const hit = repo.reader.at(snap, `${base}/${shard.name}/${dir.name}/release.pb`, 'release');
      if (!hit) continue;
      all.push({ version: hit.record.version, githash: hit.oid, recordedAt: hit.record.header.createdAt, recordedBy: hit.record.header.actor, sources: hit.record.sources.length });
    }
  }
  all.sort((a, b) => (a.recordedAt !== b.recordedAt ? (a.recordedAt < b.recordedAt ? 1 : -1) : a.version < b.version ? 1 : a.version > b.version ? -1 : 0));
  const page = pageOf(all, (r) => r.version, { limit: opts.limit, cursor: opts.cursor });
  const live = new Map<string, string[]>();
  for (const c of listChannelNames(snap, project)) {
    const cur = channelState(snap, repo.reader, project, c).current;
    if (cur) live.set(cur.githash, [...(live.get(cur.githash) ?? []), c]);
  }
  const items = page.items.map((r) => ({
    ...r, binaries: releaseBinaries(repo, snap, project, r.version), liveOn: live.get(r.githash) ?? [], yank: releaseYank(snap, repo.reader, project, r.version),
    verifiedLocations: releaseEvidence(repo, snap, project, r.version).locations,
  }));
  return { project, commit: snap.commit!, items, next: page.next, total: page.total };
}

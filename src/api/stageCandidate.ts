import { projectDir, releasePath } from '../records/layout.js';
import type { PipelineStage, Release, ReleaseRef } from '../records/types.js';
import { channelState, type ChannelState } from '../resolve/channelState.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { Snapshot } from '../store/Snapshot.js';
import { releasePlatforms } from './lookup.js';
import type { MetaRepo } from './openMeta.js';

/** A release that may enter a stage next. */
export interface StageCandidate extends ReleaseRef {
  record: Release;
}

/** Releases that were rolled back away from on this channel (a rollback record's `previous`). */
function rolledBackFrom(state: ChannelState): Set<string> {
  const out = new Set<string>();
  for (const e of state.entries) if (e.record.action === 'rollback' && e.record.previous) out.add(e.record.previous.githash);
  return out;
}

/** Every release of a project at a snapshot, newest first (by the time it was recorded). */
function releasesNewestFirst(repo: MetaRepo, snap: Snapshot, project: string): StageCandidate[] {
  const base = `${projectDir(project)}/releases`;
  const out: StageCandidate[] = [];
  for (const shard of snap.list(base)) {
    if (shard.mode !== '40000') continue;
    for (const v of snap.list(`${base}/${shard.name}`)) {
      if (v.mode !== '40000') continue;
      const hit = repo.reader.at(snap, releasePath(project, v.name), 'release');
      if (hit) out.push({ version: v.name, githash: hit.oid, record: hit.record });
    }
  }
  return out.sort((a, b) => (a.record.header.createdAt < b.record.header.createdAt ? 1 : a.record.header.createdAt > b.record.header.createdAt ? -1 : a.version < b.version ? 1 : -1));
}

/**
 * The release that would enter `stage` next, or null: the release live on the stage's `after`
 * channel (for the first stage: the newest release with binaries that is newer than the one live
 * on it), provided it is not yanked, not live on this stage already and was not rolled back from
 * this stage (a rollback there says it failed; a new release has to come instead).
 *
 * @example
 * const c = stageCandidate(repo, repo.store.snapshot(), 'acme/app', pipeline.stages[1]);
 * if (c) console.log(`${c.version} may enter ${pipeline.stages[1].channel}`);
 */
export function stageCandidate(repo: MetaRepo, snap: Snapshot, project: string, stage: PipelineStage): StageCandidate | null {
  const here = channelState(snap, repo.reader, project, stage.channel);
  const refused = rolledBackFrom(here);
  const eligible = (r: ReleaseRef): boolean =>
    !refused.has(r.githash) && !here.yanked.has(r.githash) && releaseYank(snap, repo.reader, project, r.version) === null;
  if (stage.after !== '') {
    const cur = channelState(snap, repo.reader, project, stage.after).current;
    if (!cur || cur.githash === here.current?.githash || !eligible(cur)) return null;
    const hit = repo.reader.at(snap, releasePath(project, cur.version), 'release');
    return hit && hit.oid === cur.githash ? { ...cur, record: hit.record } : null;
  }
  for (const r of releasesNewestFirst(repo, snap, project)) {
    // Older than what is live: taking it would be a downgrade, never a next release.
    if (r.githash === here.current?.githash) return null;
    if (eligible(r) && releasePlatforms(snap, project, r.version).length > 0) return r;
  }
  return null;
}

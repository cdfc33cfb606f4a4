import type { ReleaseRef, PromotionAction, PromotionRollout } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import type { MetaRepo } from './openMeta.js';
import { shallowBoundaries } from './shallowBoundaries.js';
import { requireChannel, requireProject, snapshotAt } from './lookup.js';

export interface HistoryEntry {
  sequence: number;
  action: PromotionAction;
  release: ReleaseRef;
  previous: ReleaseRef | null;
  /** The rollout in waves a promotion started or a `wave` record widened (null: every host at once). */
  rollout: PromotionRollout | null;
  /**
   * The meta commit that added this record; null when it is unknown: in a shallow clone, a
   * record that was already there at the boundary was added at or before it (`beforeBoundary`).
   */
  commit: string | null;
  /** Set in a shallow clone for records the boundary commit already had: their history was not fetched. */
  beforeBoundary?: true;
  time: string;
  actor: string;
  reason: string;
  githash: string;
  path: string;
}

/**
 * Every record a channel ever had, oldest first: one directory listing of the tip's tree, plus the
 * log index for the commit that added each record (never a walk of history per query).
 *
 * @example
 * for (const h of channelHistory(repo, { project: 'acme/app', channel: 'stable' })) console.log(h.sequence, h.release.version);
 */
export function channelHistory(repo: MetaRepo, opts: { project: string; channel: string; at?: string }): HistoryEntry[] {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  requireChannel(snap, project, opts.channel);
  const s = channelState(snap, repo.reader, project, opts.channel);
  const log = repo.store.log();
  const boundaries = shallowBoundaries(repo);
  return s.entries.map((e) => {
    const added = log.addedIn(e.path, snap.commit) ?? null;
    // The boundary commit's whole tree looks added by it; attributing those records to it would be a lie.
    const before = added !== null && boundaries.has(added);
    return {
      sequence: e.record.sequence,
      action: e.record.action,
      release: e.record.release,
      previous: e.record.previous,
      rollout: e.record.rollout,
      commit: before ? null : added,
      ...(before ? { beforeBoundary: true as const } : {}),
      time: e.record.header.createdAt,
      actor: e.record.header.actor,
      reason: e.record.reason,
      githash: e.githash,
      path: e.path,
    };
  });
}

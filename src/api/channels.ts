import type { ReleaseRef, PromotionAction } from '../records/types.js';
import { channelState, type ChannelState } from '../resolve/channelState.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { shallowBoundaries } from './shallowBoundaries.js';
import { listChannelNames, requireChannel, requireProject, snapshotAt } from './lookup.js';

export interface ChannelView {
  project: string;
  channel: string;
  commit: string;
  current: ReleaseRef | null;
  sequence: number;
  held: boolean;
  /** Who put the channel on hold, when and why (null when it is not on hold). */
  hold: { by: string; since: string; reason: string; sequence: number } | null;
  /** Set when the live release was yanked: it stays live, flagged, until something else is promoted. */
  yank: { reason: string; by: string; at: string } | null;
  since: string | null;
  by: string | null;
  /** What a default rollback would return to. */
  rollbackTarget: ReleaseRef | null;
}

export interface HistoryEntry {
  sequence: number;
  action: PromotionAction;
  release: ReleaseRef;
  previous: ReleaseRef | null;
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
 * A channel's state at a commit.
 *
 * @example
 * showChannel(repo, { project: 'acme/app', channel: 'stable', at: 'HEAD~3' }).current?.version;
 */
export function showChannel(repo: MetaRepo, opts: { project: string; channel: string; at?: string }): ChannelView {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  requireChannel(snap, project, opts.channel);
  return view(repo, snap, channelState(snap, repo.reader, project, opts.channel));
}

function view(repo: MetaRepo, snap: Snapshot, s: ChannelState): ChannelView {
  const h = s.holdEntry?.record;
  const y = s.current ? releaseYank(snap, repo.reader, s.project, s.current.version) : null;
  return {
    project: s.project, channel: s.channel, commit: snap.commit!, current: s.current, sequence: s.lastSequence, held: s.held,
    hold: h ? { by: h.header.actor, since: h.header.createdAt, reason: h.reason, sequence: h.sequence } : null,
    yank: y ? { reason: y.reason, by: y.by, at: y.at } : null,
    since: s.currentEntry?.record.header.createdAt ?? null, by: s.currentEntry?.record.header.actor ?? null,
    rollbackTarget: s.previous[s.previous.length - 1] ?? null,
  };
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

/** Every channel of a project with what is live on it. */
export function listChannels(repo: MetaRepo, opts: { project: string; at?: string }): ChannelView[] {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  return listChannelNames(snap, project).map((c) => view(repo, snap, channelState(snap, repo.reader, project, c)));
}

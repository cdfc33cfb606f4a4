import type { ReleaseRef } from '../records/types.js';
import type { ChannelState } from '../resolve/channelState.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { rolloutView, type RolloutView } from './rolloutView.js';

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
  /** The current release's rollout in waves (null: every host runs it). */
  rollout: RolloutView | null;
}

/** What `showChannel` and `listChannels` report for one channel, from its resolved state at `snap`. */
export function channelView(repo: MetaRepo, snap: Snapshot, s: ChannelState): ChannelView {
  const h = s.holdEntry?.record;
  const y = s.current ? releaseYank(snap, repo.reader, s.project, s.current.version) : null;
  return {
    project: s.project, channel: s.channel, commit: snap.commit!, current: s.current, sequence: s.lastSequence, held: s.held,
    hold: h ? { by: h.header.actor, since: h.header.createdAt, reason: h.reason, sequence: h.sequence } : null,
    yank: y ? { reason: y.reason, by: y.by, at: y.at } : null,
    since: s.currentEntry?.record.header.createdAt ?? null, by: s.currentEntry?.record.header.actor ?? null,
    rollbackTarget: s.previous[s.previous.length - 1] ?? null,
    rollout: s.rollout ? rolloutView(s.rollout) : null,
  };
}

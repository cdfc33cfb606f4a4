import { channelDir } from '../records/layout.js';
import type { ReleaseRef } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import { channelState, type PromotionEntry } from './channelState.js';
import type { RecordReader } from './RecordReader.js';
import { rolloutOf, type ChannelRollout } from './channelRollout.js';

/** What is live on a channel: the part of {@link channelState} that resolution needs. */
export interface ChannelHead {
  current: ReleaseRef | null;
  currentEntry: PromotionEntry | null;
  /** The newest record's sequence (0 when none): holds and yanks count, so it only ever grows. */
  lastSequence: number;
  /** The rollout in waves of `current`, or null (every host runs it). */
  rollout: ChannelRollout | null;
}

/**
 * The release live on a channel, reading the channel's records newest first and usually only the
 * newest one, so resolving stays flat however long the channel's history grows (a full replay
 * reads every record the channel ever had: 1,250 pack reads per cold `meta resolve binary` in a
 * 100k-record repository).
 *
 * Why reading backwards is exact: promote and rollback both push their release onto the replay's
 * stack and hold/release-hold leave it alone, so the newest promote or rollback record is what
 * {@link channelState} ends with on top, unless a later yank removed it. Yanks (rare) rewrite the
 * stack from the middle, so a channel whose newer records include a yank takes the full replay.
 */
export function channelHead(snap: Snapshot, reader: RecordReader, project: string, channel: string): ChannelHead {
  const dir = channelDir(project, channel);
  const shards = snap.list(dir).filter((e) => e.mode === '40000');
  let lastSequence = 0;
  // Wave records newer than the promotion, newest first.
  const waves: PromotionEntry[] = [];
  for (let s = shards.length - 1; s >= 0; s--) {
    const shardDir = `${dir}/${shards[s]!.name}`;
    const files = snap.list(shardDir);
    for (let f = files.length - 1; f >= 0; f--) {
      const e = files[f]!;
      if (!e.name.endsWith('.pb') || e.mode === '40000') continue;
      const path = `${shardDir}/${e.name}`;
      const record = reader.byOid(snap, e.oid, 'promotion', { path, commit: snap.commit });
      if (!lastSequence) lastSequence = record.sequence;
      const entry = { path, githash: e.oid, record };
      if (record.action === 'wave') waves.unshift(entry);
      if (record.action === 'promote' || record.action === 'rollback') {
        return { current: record.release, currentEntry: entry, lastSequence, rollout: record.action === 'promote' ? rolloutOf(entry, waves) : null };
      }
      if (record.action === 'yank') return fullReplay(snap, reader, project, channel);
    }
  }
  return { current: null, currentEntry: null, lastSequence, rollout: null };
}

function fullReplay(snap: Snapshot, reader: RecordReader, project: string, channel: string): ChannelHead {
  const s = channelState(snap, reader, project, channel);
  return { current: s.current, currentEntry: s.currentEntry, lastSequence: s.lastSequence, rollout: s.rollout };
}

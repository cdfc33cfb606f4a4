import { channelDir } from '../records/layout.js';
import type { ReleaseRef } from '../records/types.js';
import type { PromotionEntry } from './PromotionEntry.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { RecordReader } from './RecordReader.js';
import { rolloutOf, type ChannelRollout } from './channelRollout.js';

export type { PromotionEntry } from './PromotionEntry.js';

export interface ChannelState {
  project: string;
  channel: string;
  /** Every record of the channel, by sequence. */
  entries: PromotionEntry[];
  /** The release live now, or null (never promoted, or everything yanked). */
  current: ReleaseRef | null;
  /** The record that made `current` live. */
  currentEntry: PromotionEntry | null;
  /** Releases a rollback would return to, most recent last (the current one excluded). */
  previous: ReleaseRef[];
  held: boolean;
  /** The hold record in force (null when the channel is not on hold). */
  holdEntry: PromotionEntry | null;
  yanked: Set<string>;
  lastSequence: number;
  lastEntry: PromotionEntry | null;
  /** The rollout in waves of the current release, or null (everyone runs `current`). */
  rollout: ChannelRollout | null;
}

/** Lists a channel's records: one listing per 1,000 sequence numbers, never a walk of history. */
export function listPromotions(snap: Snapshot, reader: RecordReader, project: string, channel: string): PromotionEntry[] {
  const dir = channelDir(project, channel);
  const out: PromotionEntry[] = [];
  for (const shard of snap.list(dir)) {
    if (shard.mode !== '40000') continue;
    for (const f of snap.list(`${dir}/${shard.name}`)) {
      if (!f.name.endsWith('.pb')) continue;
      const path = `${dir}/${shard.name}/${f.name}`;
      out.push({ path, githash: f.oid, record: reader.byOid(snap, f.oid, 'promotion', { path, commit: snap.commit }) });
    }
  }
  return out.sort((a, b) => a.record.sequence - b.record.sequence);
}

/**
 * Replays a channel's records into its state. Promotions push onto a stack and rollbacks pop it,
 * so "roll back" always means "undo the last promotion", never "toggle between two releases".
 */
export function channelState(snap: Snapshot, reader: RecordReader, project: string, channel: string): ChannelState {
  const entries = listPromotions(snap, reader, project, channel);
  let stack: { ref: ReleaseRef; entry: PromotionEntry }[] = [];
  let held = false;
  let holdEntry: PromotionEntry | null = null;
  const yanked = new Set<string>();
  // The promotion that started a rollout and the wave records since; any other change ends it.
  let rolloutStart: PromotionEntry | null = null;
  let waves: PromotionEntry[] = [];
  for (const entry of entries) {
    const r = entry.record;
    switch (r.action) {
      case 'promote':
        stack.push({ ref: r.release, entry });
        rolloutStart = entry;
        waves = [];
        break;
      case 'wave':
        waves.push(entry);
        break;
      case 'rollback': {
        rolloutStart = null;
        const i = stack.map((s) => s.ref.githash).lastIndexOf(r.release.githash);
        if (i >= 0) stack = stack.slice(0, i);
        stack.push({ ref: r.release, entry });
        break;
      }
      case 'hold':
        held = true;
        holdEntry = entry;
        break;
      case 'release-hold':
        held = false;
        holdEntry = null;
        break;
      case 'yank':
        if (rolloutStart && (rolloutStart.record.release.githash === r.release.githash || rolloutStart.record.previous?.githash === r.release.githash)) rolloutStart = null;
        yanked.add(r.release.githash);
        stack = stack.filter((s) => s.ref.githash !== r.release.githash);
        break;
    }
  }
  const top = stack[stack.length - 1];
  const previous: ReleaseRef[] = [];
  for (const s of stack.slice(0, -1)) if (s.ref.githash !== top?.ref.githash) previous.push(s.ref);
  const last = entries[entries.length - 1] ?? null;
  return {
    project,
    channel,
    entries,
    current: top?.ref ?? null,
    currentEntry: top?.entry ?? null,
    previous,
    held,
    holdEntry,
    yanked,
    lastSequence: last?.record.sequence ?? 0,
    lastEntry: last,
    rollout: rolloutStart && top?.entry === rolloutStart ? rolloutOf(rolloutStart, waves) : null,
  };
}

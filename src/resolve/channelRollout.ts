import type { PromotionRollout, ReleaseRef } from '../records/types.js';
import type { PromotionEntry } from './PromotionEntry.js';

/**
 * A channel's rollout in waves: the promotion that started it put `target` live for the first
 * wave's share of hosts, the others keep `fallback` (the release live before it); `wave` records
 * widen it. A rollback, a later promotion, or a yank of either release ends it.
 */
export interface ChannelRollout {
  /** The release rolling out (the channel's current release). */
  target: ReleaseRef;
  /** What hosts outside the wave run: the release live before the rollout's promotion. */
  fallback: ReleaseRef;
  /** Cumulative shares of hosts, ascending, the last 100. */
  waves: number[];
  /** Index into `waves` of the wave live now. */
  wave: number;
  /** `waves[wave]`. */
  percent: number;
  waveIntervalSeconds: number;
  maxFailedPercent: number;
  /** The promotion that started the rollout. */
  startEntry: PromotionEntry;
  /** The record that put the current wave live (the promotion itself for its first wave). */
  waveEntry: PromotionEntry;
  /** At the last wave (100 %): every host runs the target. */
  complete: boolean;
}

/** True when a record's waves are a rollout boot-meta can follow: 1…100, strictly ascending, ending at 100. */
export function wavesAreValid(waves: readonly number[]): boolean {
  if (waves.length === 0 || waves[waves.length - 1] !== 100) return false;
  let prev = 0;
  for (const w of waves) {
    if (!Number.isInteger(w) || w <= prev || w > 100) return false;
    prev = w;
  }
  return true;
}

function validRollout(r: PromotionRollout | null): r is PromotionRollout {
  return r !== null && wavesAreValid(r.waves) && r.wave < r.waves.length;
}

/**
 * The rollout a promotion started, as widened by the `wave` records written after it (any order;
 * the newest valid one wins). A record whose rollout is malformed is read as "everyone at once",
 * which is what it meant before waves existed; a wave record naming another release is ignored.
 */
export function rolloutOf(start: PromotionEntry, waveEntries: readonly PromotionEntry[]): ChannelRollout | null {
  const p = start.record;
  if (p.action !== 'promote' || !p.previous || !validRollout(p.rollout)) return null;
  let waveEntry = start;
  let wave = p.rollout.wave;
  for (let i = waveEntries.length - 1; i >= 0; i--) {
    const w = waveEntries[i]!.record;
    if (w.action !== 'wave' || w.release.githash !== p.release.githash || !w.rollout || w.rollout.wave >= p.rollout.waves.length || w.sequence <= p.sequence) continue;
    waveEntry = waveEntries[i]!;
    wave = w.rollout.wave;
    break;
  }
  const waves = p.rollout.waves;
  return {
    target: p.release, fallback: p.previous, waves, wave, percent: waves[wave]!, waveIntervalSeconds: p.rollout.waveIntervalSeconds,
    maxFailedPercent: p.rollout.maxFailedPercent, startEntry: start, waveEntry, complete: wave === waves.length - 1,
  };
}

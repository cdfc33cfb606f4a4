import type { ReleaseRef } from '../records/types.js';
import type { ChannelRollout } from '../resolve/channelRollout.js';

/** A channel's rollout in waves as `channel show`, `resolve` and `pipeline status` report it (stable JSON). */
export interface RolloutView {
  /** The release rolling out. */
  version: string;
  /** What hosts outside the wave run. */
  fallback: ReleaseRef;
  waves: number[];
  /** Index into `waves` of the live wave (0 = first). */
  wave: number;
  /** Share of hosts in the live wave. */
  percent: number;
  /** When the live wave began (the time of the record that put it live). */
  waveSince: string;
  waveIntervalSeconds: number;
  maxFailedPercent: number;
  /** Every host runs the release (the last wave is live). */
  complete: boolean;
  /** Sequence of the promotion that started the rollout. */
  sequence: number;
}

/** The JSON view of a channel's rollout. */
export function rolloutView(r: ChannelRollout): RolloutView {
  return {
    version: r.target.version, fallback: r.fallback, waves: r.waves, wave: r.wave, percent: r.percent, waveSince: r.waveEntry.record.header.createdAt,
    waveIntervalSeconds: r.waveIntervalSeconds, maxFailedPercent: r.maxFailedPercent, complete: r.complete, sequence: r.startEntry.record.sequence,
  };
}

import { MetaError } from '../errors/MetaError.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { MetaRepo } from './openMeta.js';
import { requireChannel } from './lookup.js';
import { holdText } from './holdText.js';
import { checkExpect, writePromotion, type PromotionResult } from './writePromotion.js';

export interface AdvanceWaveOptions {
  project: string;
  channel: string;
  /** The version that must be rolling out now; else CONFLICT and nothing written. */
  expect?: string;
  /** The index (0 = first) of the wave that must be live now; else CONFLICT, so two writers never skip a wave. */
  expectWave?: number;
  reason?: string;
  /** Advance even though the channel is on hold. */
  force?: boolean;
}

/**
 * Widens a channel's rollout to its next wave by appending a `wave` record: more hosts resolve to
 * the new release, none goes back. Refused (PRECONDITION_FAILED) when no rollout is in progress,
 * it already reached 100 %, the channel is on hold (unless `force`) or the release was yanked.
 *
 * @example
 * await advanceWave(repo, { project: 'acme/app', channel: 'stable', expect: '1.4.3', expectWave: 0 });
 */
export async function advanceWave(repo: MetaRepo, opts: AdvanceWaveOptions): Promise<PromotionResult> {
  return writePromotion(repo, opts.project, opts.channel, (snap, project, state) => {
    requireChannel(snap, project, opts.channel);
    checkExpect(state, opts.expect);
    const r = state.rollout;
    if (!r) throw new MetaError('PRECONDITION_FAILED', `channel ${opts.channel} of ${project} has no rollout in progress (${state.current?.version ?? 'nothing'} is live on every host)`, { project, channel: opts.channel });
    if (opts.expectWave !== undefined && opts.expectWave !== r.wave) {
      throw new MetaError('CONFLICT', `the rollout of ${r.target.version} on ${opts.channel} is at wave ${r.wave + 1}/${r.waves.length}, not ${opts.expectWave + 1} as expected (someone advanced it meanwhile); re-read it with 'meta channel show' and decide again`, { project, channel: opts.channel, expectedWave: opts.expectWave, wave: r.wave });
    }
    if (r.complete) throw new MetaError('PRECONDITION_FAILED', `the rollout of ${r.target.version} on ${opts.channel} already reached every host (wave ${r.wave + 1}/${r.waves.length})`, { project, channel: opts.channel, wave: r.wave });
    if (state.held && !opts.force) {
      throw new MetaError('PRECONDITION_FAILED', `${holdText(state)}; release the hold with 'meta channel unhold ${project} ${opts.channel}', or pass --force`, { project, channel: opts.channel });
    }
    const yank = releaseYank(snap, repo.reader, project, r.target.version);
    if (yank) throw new MetaError('PRECONDITION_FAILED', `release ${r.target.version} of ${project} was yanked (${yank.reason}); roll the channel back instead of widening its rollout`, { project, version: r.target.version });
    const next = r.wave + 1;
    return {
      action: 'wave', release: r.target, reason: opts.reason ?? `wave ${next + 1}/${r.waves.length} (${r.waves[next]}%)`,
      rollout: { waves: r.waves, waveIntervalSeconds: r.waveIntervalSeconds, wave: next, maxFailedPercent: r.maxFailedPercent },
    };
  });
}

import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { releasePlatforms, requireRelease } from './lookup.js';
import { releaseYank } from '../resolve/releaseYank.js';
import { holdText } from './holdText.js';
import { checkExpect, writePromotion, type PromotionResult } from './writePromotion.js';
import { checkRolloutPolicy } from './checkRolloutPolicy.js';
import type { RolloutPolicy } from '../records/types.js';

export interface PromoteOptions {
  project: string;
  channel: string;
  version: string;
  /** The version that must be live now (`'none'`: nothing yet); else CONFLICT and nothing written. */
  expect?: string;
  reason?: string;
  /** Refuse (PRECONDITION_FAILED) instead of warning when the release has no binaries. */
  requireBinaries?: boolean;
  /** Promote even though the channel is on hold. */
  force?: boolean;
  /**
   * Roll out in waves: hosts in the first wave get the release, the others keep the one live now
   * until `advanceWave` widens it. A channel's first promotion has nothing to fall back on and
   * goes to every host at once (its record carries no rollout), as does a policy of one 100 % wave.
   */
  rollout?: RolloutPolicy;
  /** Record that this promotion went past gates that did not pass (the reason says why). */
  forced?: boolean;
}

/**
 * Makes a release live on a channel by appending the channel's next promotion record.
 * Promoting the release that is already live writes nothing (`changed: false`), so CI can re-run.
 *
 * @example
 * const r = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.4.2', expect: '1.4.1' });
 * console.log(r.sequence, r.commit);
 * // In waves: 10 % of hosts first, then 50 %, then all.
 * await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.4.3', rollout: { waves: [10, 50, 100], intervalSeconds: 900, maxFailedPercent: 20 } });
 */
export async function promote(repo: MetaRepo, opts: PromoteOptions): Promise<PromotionResult> {
  if (opts.rollout) checkRolloutPolicy(opts.rollout);
  return writePromotion(repo, opts.project, opts.channel, (snap, project, state) => {
    const rel = requireRelease(repo, snap, project, opts.version);
    checkExpect(state, opts.expect);
    if (state.held && !opts.force) {
      throw new MetaError('PRECONDITION_FAILED', `${holdText(state)}; release the hold with 'meta channel unhold ${project} ${opts.channel}', or pass --force`, { project, channel: opts.channel });
    }
    if (state.yanked.has(rel.githash)) {
      throw new MetaError('PRECONDITION_FAILED', `release ${opts.version} of ${project} was yanked from ${opts.channel}; record and promote a new release`, { project, version: opts.version });
    }
    const yank = releaseYank(snap, repo.reader, project, opts.version);
    if (yank) {
      throw new MetaError('PRECONDITION_FAILED', `release ${opts.version} of ${project} was yanked (${yank.reason}); record and promote a new release`, { project, version: opts.version, reason: yank.reason });
    }
    if (state.current?.githash === rel.githash) return null;
    const warnings: string[] = [];
    if (releasePlatforms(snap, project, opts.version).length === 0) {
      const msg = `release ${opts.version} of ${project} has no binaries yet: followers of ${opts.channel} will find nothing to install (record them with 'meta binary record')`;
      if (opts.requireBinaries) throw new MetaError('PRECONDITION_FAILED', `${msg}; --require-binaries refuses to promote it`, { project, version: opts.version });
      warnings.push(msg);
    }
    const p = opts.rollout;
    const rollout = p && state.current && p.waves.length > 1 ? { waves: p.waves, waveIntervalSeconds: p.intervalSeconds, wave: 0, maxFailedPercent: p.maxFailedPercent } : null;
    return { action: 'promote', release: { githash: rel.githash, version: opts.version }, reason: opts.reason, warnings, rollout, forced: opts.forced };
  });
}

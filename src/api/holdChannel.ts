import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { requireChannel } from './lookup.js';
import { writePromotion, type PromotionResult } from './writePromotion.js';

export interface HoldChannelOptions {
  project: string;
  channel: string;
  /** Why the channel is frozen: `channel show` and every refused promotion repeat it. */
  reason: string;
}

/**
 * Puts a channel on hold by appending a hold record: until `unholdChannel`, promotions and
 * rollbacks are refused (PRECONDITION_FAILED) unless forced. What is live stays live. Holding a
 * held channel writes nothing and answers with the hold in force.
 *
 * @example
 * await holdChannel(repo, { project: 'acme/app', channel: 'stable', reason: 'freeze for the audit' });
 */
export async function holdChannel(repo: MetaRepo, opts: HoldChannelOptions): Promise<PromotionResult> {
  if (!opts.reason || !opts.reason.trim()) throw new MetaError('INVALID_ARGUMENT', 'a hold needs --reason <text>: whoever is refused a promotion is told why', {});
  return writePromotion(repo, opts.project, opts.channel, (snap, project, state) => {
    requireChannel(snap, project, opts.channel);
    if (state.holdEntry) return { unchanged: state.holdEntry };
    return { action: 'hold', release: state.current ?? { githash: '', version: '' }, reason: opts.reason };
  });
}

import type { MetaRepo } from './openMeta.js';
import { requireChannel } from './lookup.js';
import { writePromotion, type PromotionResult } from './writePromotion.js';

export interface UnholdChannelOptions {
  project: string;
  channel: string;
  reason?: string;
}

/**
 * Releases a channel's hold by appending a release-hold record, so promotions and rollbacks go
 * through again. A channel that is not on hold is left alone (nothing written; the answer names
 * the channel's newest record).
 *
 * @example
 * await unholdChannel(repo, { project: 'acme/app', channel: 'stable', reason: 'audit done' });
 */
export async function unholdChannel(repo: MetaRepo, opts: UnholdChannelOptions): Promise<PromotionResult> {
  return writePromotion(repo, opts.project, opts.channel, (snap, project, state) => {
    requireChannel(snap, project, opts.channel);
    if (!state.held) return { unchanged: state.lastEntry! };
    return { action: 'release-hold', release: state.current ?? { githash: '', version: '' }, reason: opts.reason };
  });
}

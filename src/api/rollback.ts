import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { requireChannel, requireRelease } from './lookup.js';
import { releaseYank } from '../resolve/releaseYank.js';
import { holdText } from './holdText.js';
import { checkExpect, writePromotion, type PromotionResult } from './writePromotion.js';

export interface RollbackOptions {
  project: string;
  channel: string;
  /** Default: the release live before the current one (undoes the last promotion). */
  to?: string;
  expect?: string;
  reason?: string;
  /** Roll back even though the channel is on hold. */
  force?: boolean;
}

/**
 * Rolls a channel back by appending a rollback record (history is never edited).
 *
 * @example
 * await rollback(repo, { project: 'acme/app', channel: 'stable', reason: 'error rate' });
 */
export async function rollback(repo: MetaRepo, opts: RollbackOptions): Promise<PromotionResult> {
  return writePromotion(repo, opts.project, opts.channel, (snap, project, state) => {
    requireChannel(snap, project, opts.channel);
    checkExpect(state, opts.expect);
    if (state.held && !opts.force) {
      throw new MetaError('PRECONDITION_FAILED', `${holdText(state)}; release the hold with 'meta channel unhold ${project} ${opts.channel}', or pass --force`, { project, channel: opts.channel });
    }
    if (!state.current) throw new MetaError('PRECONDITION_FAILED', `channel ${opts.channel} of ${project} has no live release to roll back from`, { project, channel: opts.channel });
    let target;
    if (opts.to !== undefined) {
      const rel = requireRelease(repo, snap, project, opts.to);
      if (state.yanked.has(rel.githash)) throw new MetaError('PRECONDITION_FAILED', `release ${opts.to} was yanked from ${opts.channel}; choose another`, { project, version: opts.to });
      if (rel.githash === state.current.githash) throw new MetaError('PRECONDITION_FAILED', `${opts.to} is already live on ${opts.channel}`, { project, version: opts.to });
      target = { githash: rel.githash, version: opts.to };
    } else {
      target = state.previous[state.previous.length - 1];
      if (!target) {
        throw new MetaError('PRECONDITION_FAILED', `channel ${opts.channel} of ${project} has no earlier release to roll back to (${state.current.version} is the first); use --to <version>`, { project, channel: opts.channel });
      }
    }
    // A yanked release is never made live again, whichever way it would come back.
    const yank = releaseYank(snap, repo.reader, project, target.version);
    if (yank) {
      throw new MetaError('PRECONDITION_FAILED', `release ${target.version} of ${project} was yanked (${yank.reason}); roll back to another release with --to <version>, or promote a new one`, { project, version: target.version, reason: yank.reason });
    }
    return { action: 'rollback', release: target, reason: opts.reason };
  });
}

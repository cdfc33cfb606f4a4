import { channelHistory, type HistoryEntry } from './channelHistory.js';
import { requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pageOf, type Page } from './pageOf.js';

export interface ChannelHistoryPage extends Page<HistoryEntry> {
  project: string;
  channel: string;
}

/**
 * A channel's records newest first, one page at a time (the cursor is a sequence number): every
 * promotion, rollback, hold, unhold and yank with its actor and reason.
 *
 * @example
 * channelHistoryPage(repo, { project: 'acme/app', channel: 'stable', limit: 20 }).items[0]?.action;
 */
export function channelHistoryPage(repo: MetaRepo, opts: { project: string; channel: string; at?: string; limit?: number; cursor?: string }): ChannelHistoryPage {
  const commit = snapshotAt(repo, opts.at).commit!;
  const project = requireProject(repo, repo.store.snapshot(commit), opts.project).name;
  const all = channelHistory(repo, { project, channel: opts.channel, at: commit }).reverse();
  const page = pageOf(all, (h) => String(h.sequence), { limit: opts.limit, cursor: opts.cursor });
  return { project, channel: opts.channel, ...page };
}

import { log, type LogItem } from './log.js';
import type { MetaRepo } from './openMeta.js';
import { DEFAULT_PAGE, MAX_PAGE } from './pageOf.js';
import { MetaError } from '../errors/MetaError.js';

/** A page of history, newest first; `next` is the cursor (a commit) of the older page. */
export interface LogPage {
  items: LogItem[];
  next: string | null;
}

/**
 * The log one page at a time (what the dashboard's time control steps through): commits newest
 * first, from `at` (default the tip), older than `cursor` when given.
 *
 * @example
 * const p = logPage(repo, { project: 'acme/app', limit: 100 });
 * const older = p.next ? logPage(repo, { project: 'acme/app', limit: 100, cursor: p.next }) : null;
 */
export function logPage(repo: MetaRepo, opts: { project?: string; at?: string; limit?: number; cursor?: string }): LogPage {
  const limit = opts.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new MetaError('INVALID_ARGUMENT', `limit must be a whole number from 1 to ${MAX_PAGE}`, { limit });
  if (opts.cursor !== undefined && !/^[0-9a-f]{40}$/.test(opts.cursor)) throw new MetaError('INVALID_ARGUMENT', 'cursor must be a full commit id (the next of a previous page)', {});
  const items = log(repo, { project: opts.project, at: opts.at, before: opts.cursor, limit: limit + 1 });
  const more = items.length > limit;
  if (more) items.pop();
  return { items, next: more ? items[items.length - 1]!.commit : null };
}

import { MetaError } from '../errors/MetaError.js';

/** One page of a list: its items, the cursor of the next page (null on the last) and the list's size. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the page after this one; null when this is the last. */
  next: string | null;
  total: number;
}

/** How many items a page holds unless `limit` says otherwise, and the most it may ask for. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/**
 * Cuts one page out of an already ordered list. The cursor is the key of the last item of the
 * previous page (a sequence number, a version, a name: keys that never change), so a page stays
 * right while records are appended in front of it, which an offset would not.
 *
 * @example
 * const p = pageOf(releases, (r) => r.version, { limit: 50, cursor: '1.4.2' });
 */
export function pageOf<T>(sorted: T[], keyOf: (item: T) => string, opts: { limit?: number; cursor?: string } = {}): Page<T> {
  const limit = opts.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new MetaError('INVALID_ARGUMENT', `limit must be a whole number from 1 to ${MAX_PAGE}`, { limit });
  let start = 0;
  if (opts.cursor !== undefined) {
    const i = sorted.findIndex((t) => keyOf(t) === opts.cursor);
    if (i < 0) throw new MetaError('INVALID_ARGUMENT', `cursor ${JSON.stringify(opts.cursor.slice(0, 100))} is not in this list; start again without a cursor`, { cursor: opts.cursor.slice(0, 100) });
    start = i + 1;
  }
  const items = sorted.slice(start, start + limit);
  const more = start + limit < sorted.length;
  return { items, next: more && items.length > 0 ? keyOf(items[items.length - 1]!) : null, total: sorted.length };
}

/** Reads `?limit=` as a number (undefined when absent); anything but digits is refused by {@link pageOf}'s check. */
export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  return /^\d{1,6}$/.test(text) ? Number(text) : NaN;
}

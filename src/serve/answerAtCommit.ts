import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError, isMetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { etagOf, sendJson, sendNotModified } from './httpJson.js';
import type { LongPoll } from './LongPoll.js';

/** What a route answering "the view at a commit" needs of the server beyond the request. */
export interface SnapshotRouteContext {
  repo: MetaRepo;
  longPoll: LongPoll;
  /** Longest `?wait=` honoured, in seconds. */
  maxWaitSeconds: number;
  /** True once the server closes: a long-poll answers at once. */
  closing(): boolean;
}

/**
 * The HTTP contract of the views read at one commit (resolve, config): the ETag is the commit.
 * `?at=` answers an immutable, cacheable snapshot. Otherwise an `If-None-Match` of a commit whose
 * view still holds at the tip (equal `key`s) gets 304, after waiting up to `?wait=` seconds for
 * it to change; anything else gets the view at the tip.
 *
 * @example
 * await answerAtCommit(ctx, req, res, query, (commit) => configAt(repo, repo.store.snapshot(commit), opts), (v) => JSON.stringify(v));
 */
export async function answerAtCommit<T>(
  ctx: SnapshotRouteContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams,
  answer: (commit: string) => T, keyOf: (view: T) => string,
): Promise<void> {
  const repo = ctx.repo;
  const at = query.get('at');
  if (at) {
    const commit = repo.store.resolveAt(at);
    const view = answer(commit);
    if (etagOf(req) === commit) return sendNotModified(res, commit);
    return sendJson(res, 200, view, { etag: `"${commit}"`, 'cache-control': 'public, max-age=31536000, immutable' });
  }
  // An error is a state too: a view that starts to fail (or stops failing) is a change.
  const key = (commit: string): string => {
    try {
      return keyOf(answer(commit));
    } catch (e) {
      return isMetaError(e) ? `error:${e.code}` : 'error';
    }
  };
  const have = etagOf(req);
  const wait = Math.max(0, Math.min(Number(query.get('wait') ?? 0) || 0, ctx.maxWaitSeconds));
  if (have && /^[0-9a-f]{40}$/.test(have) && repo.store.hasObject(have)) {
    // "Not modified" means: what the client read at its commit still holds at the tip.
    const deadline = Date.now() + wait * 1000;
    const mine = key(have);
    for (;;) {
      const tip = repo.store.tip()!;
      if (key(tip) !== mine) break;
      const left = deadline - Date.now();
      if (left <= 0 || ctx.closing() || res.destroyed) return sendNotModified(res, have);
      await ctx.longPoll.next(left, res);
    }
  }
  const tip = repo.store.tip();
  if (!tip) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', {});
  return sendJson(res, 200, answer(tip), { etag: `"${tip}"`, 'cache-control': 'no-cache' });
}

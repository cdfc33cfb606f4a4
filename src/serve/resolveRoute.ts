import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError, isMetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { inFirstParentLog } from '../api/events.js';
import { parsePlatform } from '../records/names.js';
import { etagOf, requireParam, sendJson, sendNotModified } from './httpJson.js';
import type { LongPoll } from './LongPoll.js';
import type { Route } from './matchRoute.js';
import { parseInclude, RESOLVE_INCLUDES } from './resolveIncludes.js';

/** What the resolve route needs of the server beyond the request. */
export interface ResolveRouteContext {
  repo: MetaRepo;
  longPoll: LongPoll;
  /** Longest `?wait=` honoured, in seconds. */
  maxWaitSeconds: number;
  /** True once the server closes: a long-poll answers at once. */
  closing(): boolean;
}

/**
 * `GET …/channels/<c>/resolve`: the JSON of `meta resolve binary --json`. `?at=` answers an
 * immutable, cacheable snapshot; otherwise an `If-None-Match` of a commit whose answer still holds
 * at the tip gets 304, after waiting up to `?wait=` seconds for it to change; `?after=` refuses to
 * answer from history that does not descend from the client's commit.
 */
export async function resolveRoute(ctx: ResolveRouteContext, req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
  const { resolveBinaryIn } = await import('../api/resolveBinary.js');
  const repo = ctx.repo;
  const platform = requireParam(query, 'platform');
  parsePlatform(platform);
  const host = query.get('host') ?? undefined;
  const opts = { project: route.project!, channel: route.channel!, platform, host };
  const include = parseInclude(query);
  const at = query.get('at');
  const after = query.get('after');
  if (after && !/^[0-9a-f]{40}$/.test(after)) throw new MetaError('INVALID_ARGUMENT', '?after= must be a full 40-hex commit id', { after });
  const answer = (commit: string) => {
    if (after && !inFirstParentLog(repo, after, commit)) {
      throw new MetaError('HISTORY_REWRITTEN', `the served history at ${commit.slice(0, 12)} does not descend from ${after.slice(0, 12)}; refusing to answer with older or rewritten history`, { after, commit });
    }
    const snap = repo.store.snapshot(commit);
    const r: ReturnType<typeof resolveBinaryIn> & { included?: string[] } = resolveBinaryIn(repo, snap, opts);
    if (include.length === 0) return r;
    // Every included part is read at the binary's commit: one consistent snapshot.
    const parts = include.map((name) => [name, RESOLVE_INCLUDES[name]!.read(repo, snap, { project: r.project, channel: r.channel }, query)] as const);
    Object.assign(r, Object.fromEntries(parts.map(([n, p]) => [n, p.value])));
    // Not enumerable: the long-poll's key, never part of the JSON answer.
    return Object.defineProperty(r, 'included', { value: parts.map(([n, p]) => `${n}:${p.key}`), enumerable: false });
  };
  const key = (commit: string): string => {
    try {
      const r = answer(commit);
      return `${r.sequence}:${r.binary.githash}:${r.rollout?.wave ?? ''}${r.included ? `:${r.included.join(',')}` : ''}`;
    } catch (e) {
      return isMetaError(e) ? `error:${e.code}` : 'error';
    }
  };
  if (at) {
    const commit = repo.store.resolveAt(at);
    const r = answer(commit);
    if (etagOf(req) === commit) return sendNotModified(res, commit);
    return sendJson(res, 200, r, { etag: `"${commit}"`, 'cache-control': 'public, max-age=31536000, immutable' });
  }
  const have = etagOf(req);
  const wait = Math.max(0, Math.min(Number(query.get('wait') ?? 0) || 0, ctx.maxWaitSeconds));
  if (have && /^[0-9a-f]{40}$/.test(have) && repo.store.hasObject(have)) {
    // "Not modified" means: what the client resolved at its commit still holds at the tip.
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

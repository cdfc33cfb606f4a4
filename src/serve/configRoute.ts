import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError, isMetaError } from '../errors/MetaError.js';
import { configAt, type ConfigView } from '../api/config/readConfig.js';
import type { MetaRepo } from '../api/openMeta.js';
import { etagOf, optionalParam, requireParam, sendJson, sendNotModified } from './httpJson.js';
import type { LongPoll } from './LongPoll.js';
import type { Route } from './matchRoute.js';

/** What the config route needs of the server beyond the request (the resolve route's context). */
export interface ConfigRouteContext {
  repo: MetaRepo;
  longPoll: LongPoll;
  /** Longest `?wait=` honoured, in seconds. */
  maxWaitSeconds: number;
  /** True once the server closes: a long-poll answers at once. */
  closing(): boolean;
}

/** What identifies a config answer: equal keys, equal answers (so a 304 is honest). */
export function configKey(view: Pick<ConfigView, 'project' | 'env' | 'channel' | 'config' | 'secrets'>): string {
  return JSON.stringify([view.project, view.env, view.channel, view.config, view.secrets]);
}

/**
 * `GET /v1/projects/<p>/config?env=<e>[&channel=<c>][&at=…][&wait=s]`: the merged config, secret
 * references by name (never values). `?at=` answers an immutable snapshot; otherwise an
 * `If-None-Match` of a commit whose config still holds at the tip gets 304, after waiting up to
 * `?wait=` seconds for it to change, as the resolve route does.
 */
export async function configRoute(ctx: ConfigRouteContext, req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
  const repo = ctx.repo;
  const opts = { project: route.project!, env: requireParam(query, 'env'), channel: optionalParam(query, 'channel') };
  const answer = (commit: string) => configAt(repo, repo.store.snapshot(commit), opts);
  const at = query.get('at');
  if (at) {
    const commit = repo.store.resolveAt(at);
    const view = answer(commit);
    if (etagOf(req) === commit) return sendNotModified(res, commit);
    return sendJson(res, 200, view, { etag: `"${commit}"`, 'cache-control': 'public, max-age=31536000, immutable' });
  }
  const key = (commit: string): string => {
    try {
      return configKey(answer(commit));
    } catch (e) {
      return isMetaError(e) ? `error:${e.code}` : 'error';
    }
  };
  const have = etagOf(req);
  const wait = Math.max(0, Math.min(Number(query.get('wait') ?? 0) || 0, ctx.maxWaitSeconds));
  if (have && /^[0-9a-f]{40}$/.test(have) && repo.store.hasObject(have)) {
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

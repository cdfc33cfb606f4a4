import type { IncomingMessage, ServerResponse } from 'node:http';
import { configAt, type ConfigView } from '../api/config/readConfig.js';
import { answerAtCommit, type SnapshotRouteContext } from './answerAtCommit.js';
import { optionalParam, requireParam } from './httpJson.js';
import type { Route } from './matchRoute.js';

/** What the config route needs of the server beyond the request (the resolve route's context). */
export type ConfigRouteContext = SnapshotRouteContext;

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
  return answerAtCommit(ctx, req, res, query, answer, configKey);
}

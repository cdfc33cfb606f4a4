import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError } from '../errors/MetaError.js';
import { inFirstParentLog } from '../api/events.js';
import { parsePlatform } from '../records/names.js';
import { answerAtCommit, type SnapshotRouteContext } from './answerAtCommit.js';
import { requireParam } from './httpJson.js';
import type { Route } from './matchRoute.js';
import { parseInclude, RESOLVE_INCLUDES } from './resolveIncludes.js';

/** What the resolve route needs of the server beyond the request. */
export type ResolveRouteContext = SnapshotRouteContext;

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
  return answerAtCommit(ctx, req, res, query, answer, (r) => `${r.sequence}:${r.binary.githash}:${r.rollout?.wave ?? ''}${r.included ? `:${r.included.join(',')}` : ''}`);
}

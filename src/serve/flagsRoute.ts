import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { readFlagSetIn, type FlagSetView } from '../api/readFlagSet.js';
import type { Snapshot } from '../store/Snapshot.js';
import { etagOf } from './httpJson.js';
import type { LongPoll } from './LongPoll.js';
import type { Route } from './matchRoute.js';

/** What the flags route needs of the server beyond the request. */
export interface FlagsRouteContext {
  repo: MetaRepo;
  longPoll: LongPoll;
  /** Longest `?wait=` honoured, in seconds. */
  maxWaitSeconds: number;
  /** True once the server closes: a long-poll answers at once. */
  closing(): boolean;
}

/**
 * A channel's flag set at a snapshot, refusing a channel that neither has a flag set nor is
 * declared (or promoted): an empty answer for a typo would look like "no flags".
 */
export async function servedFlagSet(repo: MetaRepo, snap: Snapshot, project: string, channel: string): Promise<FlagSetView> {
  const v = readFlagSetIn(repo, snap, project, channel);
  if (v.sequence === 0) {
    const { requireDeclaredChannel } = await import('../api/declaredNames.js');
    requireDeclaredChannel(snap, v.project, channel);
  }
  return v;
}

/** The entity tag of a flag set: its record's blob hash (the empty set has one of its own). */
export function flagSetTag(v: FlagSetView): string {
  return v.githash ?? 'empty';
}

function send(res: ServerResponse, v: FlagSetView, cache: string): void {
  const text = `${v.document}\n`;
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), etag: `"${flagSetTag(v)}"`, 'cache-control': cache,
    'x-meta-commit': v.commit, 'x-meta-flags-sequence': String(v.sequence),
  });
  res.end(text);
}

function notModified(res: ServerResponse, tag: string): void {
  res.writeHead(304, { etag: `"${tag}"` });
  res.end();
}

/**
 * `GET …/channels/<c>/flags`: the channel's flag set as flagd JSON (flagd's HTTP sync source
 * polls it). The ETag is the flag set's record hash: `If-None-Match` with the current one is 304,
 * after waiting up to `?wait=` seconds for the set to change. `?at=` answers the set at that
 * commit, ref or date.
 */
export async function flagsRoute(ctx: FlagsRouteContext, req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
  const repo = ctx.repo;
  const at = query.get('at');
  if (at) {
    const v = await servedFlagSet(repo, repo.store.snapshot(repo.store.resolveAt(at)), route.project!, route.channel!);
    if (etagOf(req) === flagSetTag(v)) return notModified(res, flagSetTag(v));
    return send(res, v, 'no-cache');
  }
  if (!repo.store.tip()) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', {});
  const read = () => servedFlagSet(repo, repo.store.snapshot(repo.store.tip()!), route.project!, route.channel!);
  let v = await read();
  const have = etagOf(req);
  if (have !== undefined && have === flagSetTag(v)) {
    const wait = Math.max(0, Math.min(Number(query.get('wait') ?? 0) || 0, ctx.maxWaitSeconds));
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || ctx.closing() || res.destroyed) return notModified(res, have);
      await ctx.longPoll.next(left, res);
      v = await read();
      if (flagSetTag(v) !== have) break;
    }
  }
  return send(res, v, 'no-cache');
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { checkEventTypes, inFirstParentLog, parseEventId } from '../api/events.js';
import { projectFilterName, snapshotAt } from '../api/lookup.js';
import { checkChannel } from '../records/names.js';
import type { SseHub } from './SseHub.js';

/**
 * `GET /v1/events`: checks the filter (`?project=`, `?channel=`, `?types=`) and where to start
 * (`Last-Event-ID` or `?since=`: a commit, `<commit>:<n>`, `beginning`; default the tip), then
 * hands the stream to the hub.
 */
export function eventsRoute(hub: SseHub, repo: MetaRepo, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  const types = checkEventTypes(query.get('types')?.split(',').filter(Boolean));
  let project = query.get('project') ?? undefined;
  // Events name projects in full: `?project=app` means acme/app, as in every other route.
  if (project) project = projectFilterName(repo, snapshotAt(repo), project);
  const channel = query.get('channel') ?? undefined;
  if (channel) checkChannel(channel);
  const last = (req.headers['last-event-id'] as string | undefined) ?? query.get('since') ?? undefined;
  let cursor: string | undefined;
  let skipIndex: number | undefined;
  if (last === 'beginning' || last === '0') cursor = undefined;
  else if (last) {
    const id = parseEventId(last);
    const tip = repo.store.tip();
    if (!tip || !inFirstParentLog(repo, id.commit, tip)) {
      throw new MetaError('HISTORY_REWRITTEN', `event id ${last.slice(0, 12)} is not in this repository's history; reconnect without Last-Event-ID (or with ?since=beginning)`, { id: last });
    }
    cursor = id.commit;
    if (id.index !== undefined) {
      // Resume inside a commit: re-read it, skipping what was delivered.
      const list = repo.store.log().entries();
      const i = list.findIndex((e) => e.commit === id.commit);
      cursor = i > 0 ? list[i - 1]!.commit : undefined;
      skipIndex = id.index;
      if (i === 0) cursor = undefined;
    }
  } else cursor = repo.store.tip();
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  // A HEAD has no body to stream: without this it would hold a connection open forever.
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.write('retry: 1000\n\n');
  hub.add(res, { filter: { project, channel, types }, cursor, skipIndex });
}

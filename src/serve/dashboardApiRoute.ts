import type { ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { parseLimit } from '../api/pageOf.js';
import { optionalParam, requireParam } from './httpJson.js';
import type { DashboardRoute } from './matchDashboardRoute.js';
import { LruCache } from '../util/LruCache.js';

/**
 * Answers already given, by route, query and the commit(s) they were read at. A commit names one
 * snapshot forever, so an answer read at it never changes: every open page reloading after the
 * same promotion is served the same bytes. The one answer that depends on the clock (a pipeline's
 * soak gates at the tip) is keyed by a 5-second slot of it as well.
 */
const answers = new WeakMap<MetaRepo, LruCache<string, string>>();

async function sendCached(repo: MetaRepo, res: ServerResponse, key: string, produce: () => Promise<unknown>): Promise<void> {
  let cache = answers.get(repo);
  if (!cache) answers.set(repo, (cache = new LruCache<string, string>(32 << 20, (t) => t.length)));
  let text = cache.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(await produce())}\n`;
    cache.set(key, text);
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The read routes added for the dashboard (plain JSON; any client may use them): the project
 * list, a project's channels, a channel's history, releases (paginated with `?limit=&cursor=`),
 * one release, a diff of two moments and the log. Each reads at `?at=` (default the tip); its
 * operation is loaded on first use, as every other route's.
 */
export async function dashboardApiRoute(repo: MetaRepo, route: DashboardRoute, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const { snapshotAt } = await import('../api/lookup.js');
  const page = { limit: parseLimit(optionalParam(query, 'limit')), cursor: optionalParam(query, 'cursor') };
  // Every read below is at one commit: resolve `at` once, so the cache key names that snapshot.
  const given = optionalParam(query, 'at');
  const at = route.name === 'diff' ? given : snapshotAt(repo, given).commit!;
  const key = `${route.name}\n${route.project ?? ''}\n${route.channel ?? ''}\n${route.version ?? ''}\n${at}\n${page.limit ?? ''}\n${page.cursor ?? ''}`;
  switch (route.name) {
    case 'projects': {
      const { projectsOverview } = await import('../api/projectsOverview.js');
      return sendCached(repo, res, key, async () => projectsOverview(repo, { at, ...page }));
    }
    case 'channels': {
      const { projectChannelsView } = await import('../api/projectChannelsView.js');
      // At the tip its soak gates are measured against the clock: kept for 5 s of it at most.
      const clock = given === undefined ? `\n${Math.floor(Date.now() / 5000)}` : '';
      return sendCached(repo, res, `${key}${clock}`, async () => projectChannelsView(repo, { project: route.project!, at: given === undefined ? undefined : at }));
    }
    case 'history': {
      const { channelHistoryPage } = await import('../api/channelHistoryPage.js');
      return sendCached(repo, res, key, async () => channelHistoryPage(repo, { project: route.project!, channel: route.channel!, at, ...page }));
    }
    case 'releases': {
      const { listReleases } = await import('../api/listReleases.js');
      return sendCached(repo, res, key, async () => listReleases(repo, { project: route.project!, at, ...page }));
    }
    case 'release': {
      const { describeRelease } = await import('../api/describeRelease.js');
      return sendCached(repo, res, key, async () => describeRelease(repo, { project: route.project!, version: route.version!, at }));
    }
    case 'diff': {
      const { diffMoments } = await import('../api/diffMoments.js');
      const from = snapshotAt(repo, requireParam(query, 'from')).commit!;
      const to = snapshotAt(repo, optionalParam(query, 'to')).commit!;
      const project = requireParam(query, 'project');
      return sendCached(repo, res, `${key}\n${project}\n${from}\n${to}`, async () => diffMoments(repo, { project, from, to }));
    }
    case 'log': {
      const { logPage } = await import('../api/logPage.js');
      const project = optionalParam(query, 'project');
      return sendCached(repo, res, `${key}\n${project ?? ''}`, async () => logPage(repo, { project, at, limit: page.limit, cursor: page.cursor }));
    }
    case 'ui':
      throw new Error('the ui route is answered by uiRoute');
  }
}

import type { ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { parseLimit } from '../api/pageOf.js';
import { optionalParam, requireParam, sendJson } from './httpJson.js';
import type { DashboardRoute } from './matchDashboardRoute.js';

/**
 * The read routes added for the dashboard (plain JSON; any client may use them): the project
 * list, a project's channels, a channel's history, releases (paginated with `?limit=&cursor=`),
 * one release, a diff of two moments and the log. Each reads at `?at=` (default the tip); its
 * operation is loaded on first use, as every other route's.
 */
export async function dashboardApiRoute(repo: MetaRepo, route: DashboardRoute, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const at = optionalParam(query, 'at');
  const page = { limit: parseLimit(optionalParam(query, 'limit')), cursor: optionalParam(query, 'cursor') };
  switch (route.name) {
    case 'projects': {
      const { projectsOverview } = await import('../api/projectsOverview.js');
      return sendJson(res, 200, projectsOverview(repo, { at, ...page }));
    }
    case 'channels': {
      const { projectChannelsView } = await import('../api/projectChannelsView.js');
      return sendJson(res, 200, projectChannelsView(repo, { project: route.project!, at }));
    }
    case 'history': {
      const { channelHistoryPage } = await import('../api/channelHistoryPage.js');
      return sendJson(res, 200, channelHistoryPage(repo, { project: route.project!, channel: route.channel!, at, ...page }));
    }
    case 'releases': {
      const { listReleases } = await import('../api/listReleases.js');
      return sendJson(res, 200, listReleases(repo, { project: route.project!, at, ...page }));
    }
    case 'release': {
      const { describeRelease } = await import('../api/describeRelease.js');
      return sendJson(res, 200, describeRelease(repo, { project: route.project!, version: route.version!, at }));
    }
    case 'diff': {
      const { diffMoments } = await import('../api/diffMoments.js');
      return sendJson(res, 200, diffMoments(repo, { project: requireParam(query, 'project'), from: requireParam(query, 'from'), to: optionalParam(query, 'to') ?? 'HEAD' }));
    }
    case 'log': {
      const { logPage } = await import('../api/logPage.js');
      return sendJson(res, 200, logPage(repo, { project: optionalParam(query, 'project'), at, limit: page.limit, cursor: page.cursor }));
    }
    case 'ui':
      throw new Error('the ui route is answered by uiRoute');
  }
}

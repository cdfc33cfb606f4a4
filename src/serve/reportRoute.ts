import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { REPORT_SCHEMA } from './applyRecord.js';
import { authorize } from './authorize.js';
import type { GroupCommitter } from './GroupCommitter.js';
import { readJson, sendJson } from './httpJson.js';
import type { Route } from './matchRoute.js';
import { checkReservedLabels, tokenActor } from './onBehalfOf.js';
import { checkShape, toLabels } from './strictJson.js';

/**
 * `POST …/instances/<host>/report` (token scope `reports`): appends an instance report through
 * the group committer as the token; answers 201 with what was written.
 */
export async function reportRoute(repo: MetaRepo, committer: GroupCommitter, req: IncomingMessage, res: ServerResponse, route: Route, maxBodyBytes: number): Promise<void> {
  const token = authorize(repo, req, 'reports');
  const b = checkShape(await readJson(req, res, maxBodyBytes), REPORT_SCHEMA) as Record<string, never>;
  checkReservedLabels(b.labels);
  const { reportInstance } = await import('../api/reportInstance.js');
  const result = await reportInstance(committer.repoFor(repo, tokenActor(token)), {
    project: route.project!, host: route.host!, env: b.env, channel: b.channel, version: b.version, digest: b.digest, platform: b.platform,
    metaCommit: b.metaCommit, status: b.status, message: b.message, labels: toLabels(b.labels),
  });
  return sendJson(res, 201, result);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { authorize } from './authorize.js';
import type { GroupCommitter } from './GroupCommitter.js';
import { optionalParam, readJson, sendJson } from './httpJson.js';
import type { Route } from './matchRoute.js';
import { tokenActor } from './onBehalfOf.js';
import { checkShape, type FieldSpec } from './strictJson.js';

/** The body of `POST /v1/projects/:project/pipeline/promote`. */
export const PIPELINE_PROMOTE_SCHEMA: Record<string, FieldSpec> = {
  version: { type: 'string', required: true }, to: { type: 'string', required: true }, force: { type: 'boolean' }, reason: { type: 'string' }, expect: { type: 'string' },
};

/**
 * The pipeline routes: `GET …/pipeline[?at=]` (the pipeline in force), `GET …/pipeline/status[?at=]`
 * (a read: gates are never run for it), and `POST …/pipeline/promote` (token scope `records`),
 * which evaluates the stage's gates as the token and promotes when they pass; it runs the
 * pipeline's commands only when the server was started with `--allow-commands`.
 */
export async function pipelineRoute(repo: MetaRepo, committer: GroupCommitter, req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams, opts: { maxBodyBytes: number; allowCommands: boolean }): Promise<void> {
  if (route.name === 'pipeline') {
    const { showPipeline } = await import('../api/showPipeline.js');
    return sendJson(res, 200, showPipeline(repo, { project: route.project!, at: optionalParam(query, 'at') }));
  }
  if (route.name === 'pipelineStatus') {
    const { pipelineStatus } = await import('../api/pipelineStatus.js');
    return sendJson(res, 200, pipelineStatus(repo, { project: route.project!, at: optionalParam(query, 'at') }));
  }
  const token = authorize(repo, req, 'records');
  const b = checkShape(await readJson(req, res, opts.maxBodyBytes), PIPELINE_PROMOTE_SCHEMA) as Record<string, never>;
  const { promoteThroughPipeline } = await import('../api/promoteThroughPipeline.js');
  // Commands run in a fresh temporary directory: the server's own directory is no place for them.
  const result = await promoteThroughPipeline(committer.repoFor(repo, tokenActor(token)), {
    project: route.project!, version: b.version, to: b.to, force: b.force, reason: b.reason, expect: b.expect, commands: { allow: opts.allowCommands },
  });
  return sendJson(res, 201, result);
}

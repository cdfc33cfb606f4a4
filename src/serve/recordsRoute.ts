import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { applyRecord, checkRecordBody } from './applyRecord.js';
import { authorize } from './authorize.js';
import type { GroupCommitter } from './GroupCommitter.js';
import { readJson, sendJson } from './httpJson.js';
import { checkOnBehalfOf, ON_BEHALF_OF, tokenActor } from './onBehalfOf.js';

/**
 * `POST /v1/records` (token scope `records`): writes one record through the group committer as
 * the token, the body's `actor` kept as the on-behalf-of label; answers 201 with what was written.
 */
export async function recordsRoute(repo: MetaRepo, committer: GroupCommitter, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<void> {
  const token = authorize(repo, req, 'records');
  const body = checkRecordBody(await readJson(req, res, maxBodyBytes));
  const onBehalfOf = checkOnBehalfOf(body);
  delete body.actor;
  const result = await applyRecord(committer.repoFor(repo, tokenActor(token), onBehalfOf ? [{ key: ON_BEHALF_OF, value: onBehalfOf }] : undefined), body);
  return sendJson(res, 201, result);
}

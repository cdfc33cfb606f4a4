import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { etagOf, readJson, sendJson } from './httpJson.js';
import { servedFlagSet } from './flagsRoute.js';
import type { Route } from './matchRoute.js';
import { publicError } from './publicError.js';

export interface OfrepRouteContext {
  repo: MetaRepo;
  maxBodyBytes: number;
  hostDirs: string[];
  log?: (line: string) => void;
}

/** The `context` of an OFREP request body (`{}` when the body is empty). */
async function requestContext(req: IncomingMessage, res: ServerResponse, max: number): Promise<Record<string, unknown>> {
  const { checkDepth } = await import('../flags/canonicalJson.js');
  const { checkEvaluationContext } = await import('../flags/evaluateFlag.js');
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declared === 0 && !chunked) return {};
  const body = await readJson(req, res, max);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new OfrepError(400, 'INVALID_CONTEXT', 'the body must be a JSON object {"context": {...}}');
  checkDepth(body, 'the request body');
  return checkEvaluationContext((body as Record<string, unknown>).context, 'context');
}

class OfrepError extends Error {
  constructor(readonly status: number, readonly errorCode: string, readonly details: string) {
    super(details);
  }
}

/** An error as OFREP answers it: 404 FLAG_NOT_FOUND, 400 with a code, 5xx `{errorDetails}`. */
function sendFailure(ctx: OfrepRouteContext, res: ServerResponse, e: unknown, key: string | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const keyed = (body: Record<string, unknown>) => (key === undefined ? body : { key, ...body });
  if (e instanceof OfrepError) return sendJson(res, e.status, keyed({ errorCode: e.errorCode, errorDetails: e.details }));
  const pub = publicError(e, ctx.hostDirs, ctx.log);
  if (pub.status >= 500) return sendJson(res, pub.status, { errorDetails: pub.message });
  if (pub.status === 404) return sendJson(res, 404, keyed({ errorCode: key === undefined ? 'GENERAL' : 'FLAG_NOT_FOUND', errorDetails: pub.message }));
  return sendJson(res, pub.status, keyed({ errorCode: 'INVALID_CONTEXT', errorDetails: pub.message }));
}

type Resolution = { key: string; value?: unknown; variant?: string; reason: string; errorCode?: string; errorMessage?: string; flagMetadata: Record<string, unknown> };

/** A resolution as an OFREP success body; a code default (no value) leaves `value` out. */
function success(r: Resolution): Record<string, unknown> {
  const out: Record<string, unknown> = { key: r.key };
  if (r.value !== undefined && r.value !== null) out.value = r.value;
  out.reason = r.reason;
  if (r.variant !== undefined) out.variant = r.variant;
  out.metadata = r.flagMetadata;
  return out;
}

/**
 * OFREP single evaluation, `POST …/channels/<c>/ofrep/v1/evaluate/flags/<key>` with
 * `{"context": {...}}`: 200 `{key, value, reason, variant, metadata}`; 404 FLAG_NOT_FOUND for a
 * missing or disabled flag (flagd treats a disabled flag as absent); 400 `{key, errorCode,
 * errorDetails}` for a bad request or an evaluation error (PARSE_ERROR, GENERAL).
 */
export async function ofrepFlagRoute(ctx: OfrepRouteContext, req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  const key = route.flag!;
  try {
    const context = await requestContext(req, res, ctx.maxBodyBytes);
    const repo = ctx.repo;
    const tip = repo.store.tip();
    if (!tip) throw new OfrepError(404, 'FLAG_NOT_FOUND', 'the repository has no commits yet');
    const v = await servedFlagSet(repo, repo.store.snapshot(tip), route.project!, route.channel!);
    const { evaluateFlag } = await import('../flags/evaluateFlag.js');
    const r = (await evaluateFlag(v.document, key, { context, defaultValue: undefined })) as Resolution;
    if (r.reason === 'DISABLED') throw new OfrepError(404, 'FLAG_NOT_FOUND', `flag '${key}' is disabled`);
    if (r.reason === 'ERROR') throw new OfrepError(r.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400, r.errorCode ?? 'GENERAL', r.errorMessage ?? 'evaluation failed');
    return sendJson(res, 200, success(r), { 'x-meta-commit': v.commit });
  } catch (e) {
    return sendFailure(ctx, res, e, key);
  }
}

/**
 * OFREP bulk evaluation, `POST …/channels/<c>/ofrep/v1/evaluate/flags`: every enabled flag
 * evaluated with the request's context, `{flags: [...]}` (successes and per-flag failures). The
 * ETag covers the flag set and the context, so a client polling with `If-None-Match` gets 304
 * until the set changes.
 */
export async function ofrepBulkRoute(ctx: OfrepRouteContext, req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  try {
    const context = await requestContext(req, res, ctx.maxBodyBytes);
    const repo = ctx.repo;
    const tip = repo.store.tip();
    if (!tip) throw new OfrepError(404, 'GENERAL', 'the repository has no commits yet');
    const v = await servedFlagSet(repo, repo.store.snapshot(tip), route.project!, route.channel!);
    const { canonicalJson } = await import('../flags/canonicalJson.js');
    const tag = createHash('sha256').update(`${v.githash ?? 'empty'}\n${canonicalJson(context)}`).digest('hex').slice(0, 40);
    if (etagOf(req) === tag) {
      res.writeHead(304, { etag: `"${tag}"` });
      res.end();
      return;
    }
    const { evaluateAllFlags } = await import('../flags/evaluateFlag.js');
    const all = await evaluateAllFlags(v.document, context);
    if (!Array.isArray(all)) throw new OfrepError(400, 'PARSE_ERROR', all.parseError);
    const flags = (all as Resolution[]).map((r) => (r.reason === 'ERROR' ? { key: r.key, errorCode: r.errorCode ?? 'GENERAL', errorDetails: r.errorMessage ?? 'evaluation failed' } : success(r)));
    return sendJson(res, 200, { flags }, { etag: `"${tag}"`, 'x-meta-commit': v.commit });
  } catch (e) {
    return sendFailure(ctx, res, e, undefined);
  }
}

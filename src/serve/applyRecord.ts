import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { checkShape, toLabels, type FieldSpec } from './strictJson.js';

const labels: FieldSpec = { type: 'labels' };
const actor: FieldSpec = { type: 'string' };

/** The JSON bodies `POST /v1/records` accepts, by `kind` (README documents them). */
export const RECORD_SCHEMAS: Record<string, Record<string, FieldSpec>> = {
  project: {
    kind: { type: 'string', required: true }, name: { type: 'string', required: true }, repoUrl: { type: 'string', required: true },
    mainPath: { type: 'string' }, owners: { type: 'string[]' }, description: { type: 'string' }, labels, actor,
  },
  release: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, version: { type: 'string', required: true },
    sources: { type: 'object[]', required: true, of: { url: { type: 'string', required: true }, commit: { type: 'string', required: true }, path: { type: 'string' }, tag: { type: 'string' } } },
    imports: { type: 'object[]', of: { module: { type: 'string', required: true }, version: { type: 'string' }, githash: { type: 'string' } } },
    notes: { type: 'string' }, labels, actor,
  },
  binary: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, version: { type: 'string', required: true },
    platform: { type: 'string', required: true }, digest: { type: 'string', required: true }, size: { type: 'number', required: true },
    urls: { type: 'string[]', required: true }, mediaType: { type: 'string' }, labels, actor,
  },
  promotion: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, channel: { type: 'string', required: true },
    version: { type: 'string', required: true }, expect: { type: 'string' }, reason: { type: 'string' }, requireBinaries: { type: 'boolean' },
    force: { type: 'boolean' }, actor,
  },
  rollback: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, channel: { type: 'string', required: true },
    to: { type: 'string' }, expect: { type: 'string' }, reason: { type: 'string' }, force: { type: 'boolean' }, actor,
  },
  hold: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, channel: { type: 'string', required: true },
    reason: { type: 'string', required: true }, actor,
  },
  unhold: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, channel: { type: 'string', required: true },
    reason: { type: 'string' }, actor,
  },
  yank: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, version: { type: 'string', required: true },
    reason: { type: 'string', required: true }, actor,
  },
  event: {
    kind: { type: 'string', required: true }, type: { type: 'string', required: true }, project: { type: 'string' }, subject: { type: 'string' },
    message: { type: 'string' }, attributes: labels, labels, actor,
  },
  approval: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, version: { type: 'string', required: true },
    channel: { type: 'string', required: true }, comment: { type: 'string' }, actor,
  },
  verification: {
    kind: { type: 'string', required: true }, project: { type: 'string', required: true }, version: { type: 'string', required: true },
    channel: { type: 'string', required: true }, name: { type: 'string', required: true }, status: { type: 'string', required: true },
    url: { type: 'string' }, message: { type: 'string' }, actor,
  },
};

/** The body of `POST /v1/projects/:project/instances/:host/report`. */
export const REPORT_SCHEMA: Record<string, FieldSpec> = {
  env: { type: 'string', required: true }, channel: { type: 'string' }, version: { type: 'string' }, digest: { type: 'string' },
  platform: { type: 'string' }, metaCommit: { type: 'string' }, status: { type: 'string', required: true }, message: { type: 'string' }, labels,
};

/** Checks a `POST /v1/records` body strictly; throws INVALID_ARGUMENT naming the bad field. */
export function checkRecordBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MetaError('INVALID_ARGUMENT', 'body must be a JSON object with a kind', {});
  const kind = (body as Record<string, unknown>).kind;
  const schema = typeof kind === 'string' ? RECORD_SCHEMAS[kind] : undefined;
  if (!schema) throw new MetaError('INVALID_ARGUMENT', `kind must be one of ${Object.keys(RECORD_SCHEMAS).join(', ')}`, { kind });
  return checkShape(body, schema);
}

/**
 * Applies one inbound record through the public API on `repo` (the server passes a group-commit
 * repository, so concurrent requests share commits). Returns the API's result.
 */
export async function applyRecord(repo: MetaRepo, body: Record<string, unknown>): Promise<unknown> {
  const b = body as Record<string, never>;
  switch (body.kind) {
    case 'project': {
      const { addProject } = await import('../api/addProject.js');
      return addProject(repo, { name: b.name, repoUrl: b.repoUrl, mainPath: b.mainPath, owners: b.owners, description: b.description, labels: toLabels(b.labels) });
    }
    case 'release': {
      const { recordRelease } = await import('../api/recordRelease.js');
      return recordRelease(repo, { project: b.project, version: b.version, sources: b.sources, imports: b.imports, notes: b.notes, labels: toLabels(b.labels) });
    }
    case 'binary': {
      const { recordBinary } = await import('../api/recordBinary.js');
      return recordBinary(repo, { project: b.project, version: b.version, platform: b.platform, digest: b.digest, size: b.size, urls: b.urls, mediaType: b.mediaType, labels: toLabels(b.labels) });
    }
    case 'promotion': {
      const { promote } = await import('../api/promote.js');
      return promote(repo, { project: b.project, channel: b.channel, version: b.version, expect: b.expect, reason: b.reason, requireBinaries: b.requireBinaries, force: b.force });
    }
    case 'rollback': {
      const { rollback } = await import('../api/rollback.js');
      return rollback(repo, { project: b.project, channel: b.channel, to: b.to, expect: b.expect, reason: b.reason, force: b.force });
    }
    case 'hold': {
      const { holdChannel } = await import('../api/holdChannel.js');
      return holdChannel(repo, { project: b.project, channel: b.channel, reason: b.reason });
    }
    case 'unhold': {
      const { unholdChannel } = await import('../api/unholdChannel.js');
      return unholdChannel(repo, { project: b.project, channel: b.channel, reason: b.reason });
    }
    case 'yank': {
      const { yankRelease } = await import('../api/yankRelease.js');
      return yankRelease(repo, { project: b.project, version: b.version, reason: b.reason });
    }
    case 'event': {
      const { logEvent } = await import('../api/logEvent.js');
      return logEvent(repo, { type: b.type, project: b.project, subject: b.subject, message: b.message, attributes: toLabels(b.attributes), labels: toLabels(b.labels) });
    }
    case 'approval': {
      const { recordApproval } = await import('../api/recordApproval.js');
      return recordApproval(repo, { project: b.project, version: b.version, channel: b.channel, comment: b.comment });
    }
    case 'verification': {
      const { recordVerification } = await import('../api/recordVerification.js');
      return recordVerification(repo, { project: b.project, version: b.version, channel: b.channel, name: b.name, status: b.status, url: b.url, message: b.message });
    }
  }
  throw new MetaError('INVALID_ARGUMENT', `unknown kind ${String(body.kind)}`, {});
}

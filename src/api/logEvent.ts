import { MetaError } from '../errors/MetaError.js';
import { eventPath } from '../records/layout.js';
import type { Label } from '../records/types.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject } from './lookup.js';
import { writeRecords } from './writeRecords.js';

export interface LogEventOptions {
  /** Dotted type of lower-case words, e.g. `deploy.started`, `gen.completed`. */
  type: string;
  /** A project it is about (full or unique short name); it must exist. */
  project?: string;
  subject?: string;
  message?: string;
  /** The event's own key/value data (sorted when stored). */
  attributes?: Label[];
  /** Free header labels, as on every record. */
  labels?: Label[];
}

export interface LogEventResult {
  type: string;
  project: string | null;
  path: string;
  githash: string;
  commit: string;
}

/** `deploy.started`: lower-case words of letters, digits, `_` and `-`, joined by dots. */
const TYPE = /^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*$/;

/**
 * Appends an Event record to the log (`log/<yyyy>/<mm>/<dd>/<time>-<id>.pb`): a free-form typed
 * event that any tool (a generator, a CI step, a person) can leave in the history. It shows in
 * `meta log` and reaches SSE clients and webhooks as `event.logged`.
 *
 * @example
 * await logEvent(repo, { type: 'gen.completed', project: 'acme/app', message: 'regenerated clients', attributes: [{ key: 'run', value: '42' }] });
 */
export async function logEvent(repo: MetaRepo, opts: LogEventOptions): Promise<LogEventResult> {
  if (opts.type.length > 128 || !TYPE.test(opts.type)) {
    throw new MetaError('INVALID_ARGUMENT', `event type '${opts.type.length > 64 ? `${opts.type.slice(0, 64)}…` : opts.type}' must be lower-case words of letters, digits, '_' and '-' joined by dots (e.g. deploy.started), up to 128 characters`, { field: 'type' });
  }
  if ((opts.message ?? '').length > 64 * 1024) throw new MetaError('INVALID_ARGUMENT', 'an event message may hold at most 65,536 characters', { field: 'message' });
  let project: string | null = null;
  const res = await writeRecords(repo, (snap, now) => {
    project = opts.project === undefined ? null : requireProject(repo, snap, opts.project).name;
    return {
      records: [{
        kind: 'event', path: eventPath(now), labels: opts.labels,
        body: { type: opts.type, project: project ?? '', subject: opts.subject ?? '', message: opts.message ?? '', attributes: opts.attributes ?? [], payload: '', payloadMediaType: '' },
      }],
      message: `event ${opts.type}${project ? ` ${project}` : ''}`,
      result: null,
    };
  });
  return { type: opts.type, project, path: res.records[0]!.path, githash: res.records[0]!.githash, commit: res.commit };
}

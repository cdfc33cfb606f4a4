import { MetaError } from '../errors/MetaError.js';
import { classifyPath } from '../records/layout.js';
import type { RecordKind } from '../records/types.js';
import { projectFilterName, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { shallowBoundaries } from './shallowBoundaries.js';

export interface LogItem {
  commit: string;
  time: string;
  author: string;
  subject: string;
  records: { path: string; kind: string }[];
  /**
   * Set on the first commit of a shallow clone: its parents were not fetched, so what it added
   * is unknown (`records` is empty rather than its whole tree).
   */
  shallowBoundary?: true;
}

const KINDS: Record<string, string> = {
  project: 'project', release: 'release', binary: 'binary', promotion: 'promotion', instance: 'instance', event: 'event', yank: 'yank', secret: 'secret', setting: 'setting',
  pipeline: 'pipeline', approval: 'approval', verification: 'verification', gate: 'gate', location: 'location', config: 'config', flags: 'flags',
};

/**
 * The history, newest first, from the log index (no walk of history per call).
 *
 * @example
 * log(repo, { project: 'acme/app', kind: 'promotion', limit: 10 });
 * log(repo, { limit: 10, before: olderThanThisCommit }); // the next page
 */
export function log(repo: MetaRepo, opts: { project?: string; kind?: RecordKind | 'secret' | 'setting'; limit?: number; before?: string; at?: string } = {}): LogItem[] {
  if (opts.kind && !KINDS[opts.kind]) throw new MetaError('INVALID_ARGUMENT', `--kind ${opts.kind} is not one of ${Object.keys(KINDS).join(', ')}`, { kind: opts.kind });
  const limit = opts.limit ?? Infinity;
  if (!(limit > 0)) throw new MetaError('INVALID_ARGUMENT', '-n must be a positive number', { limit });
  const entries = opts.at === undefined ? repo.store.log().entries() : repo.store.log().entries(snapshotAt(repo, opts.at).commit);
  const out: LogItem[] = [];
  // `app` for `acme/app`, as everywhere else a project is named.
  const prefix = opts.project ? `projects/${projectFilterName(repo, snapshotAt(repo), opts.project)}/` : undefined;
  const boundaries = shallowBoundaries(repo);
  let from = entries.length - 1;
  if (opts.before !== undefined) {
    // A page of history: the commits older than one the reader has already seen.
    while (from >= 0 && entries[from]!.commit !== opts.before) from--;
    if (from < 0) throw new MetaError('INVALID_ARGUMENT', `commit ${opts.before.slice(0, 12)} is not in this repository's history; start again without it`, { before: opts.before.slice(0, 100) });
    from--;
  }
  for (let i = from; i >= 0 && out.length < limit; i--) {
    const e = entries[i]!;
    if (boundaries.has(e.commit)) {
      if (!prefix && !opts.kind) out.push({ commit: e.commit, time: new Date(e.time * 1000).toISOString(), author: e.author, subject: e.subject, records: [], shallowBoundary: true });
      continue;
    }
    const records = [...e.added, ...e.changed].map((path) => {
      const c = classifyPath(path);
      return { path, kind: c.type, project: 'project' in c ? c.project : undefined };
    }).filter((r) => (!prefix || r.path.startsWith(prefix)) && (!opts.kind || r.kind === opts.kind));
    if ((prefix || opts.kind) && records.length === 0) continue;
    out.push({ commit: e.commit, time: new Date(e.time * 1000).toISOString(), author: e.author, subject: e.subject, records: records.map(({ path, kind }) => ({ path, kind })) });
  }
  return out;
}

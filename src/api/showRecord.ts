import { MetaError } from '../errors/MetaError.js';
import { assertRepoPath } from '../store/assertRepoPath.js';
import type { AnyRecord } from '../records/types.js';
import type { MetaRepo } from './openMeta.js';
import { snapshotAt } from './lookup.js';

export interface ShownRecord {
  path: string | null;
  githash: string;
  commit: string | null;
  kind: AnyRecord['kind'];
  record: AnyRecord['record'];
}

/**
 * Decodes any record, by repository path (at `at`, default the tip) or by its githash.
 *
 * @example
 * showRecord(repo, { target: 'projects/acme/app/project.pb' }).record;
 */
export function showRecord(repo: MetaRepo, opts: { target: string; at?: string }): ShownRecord {
  const snap = snapshotAt(repo, opts.at);
  if (/^[0-9a-f]{40}$/.test(opts.target)) {
    const o = repo.store.readObject(opts.target);
    if (!o) throw new MetaError('NOT_FOUND', `no object ${opts.target} in this repository`, { githash: opts.target });
    if (o.type !== 'blob') throw new MetaError('INVALID_ARGUMENT', `${opts.target} is a ${o.type}, not a record; give a record's path or blob hash`, { githash: opts.target });
    const any = repo.reader.any(snap, opts.target, { oid: opts.target });
    return { path: null, githash: opts.target, commit: null, kind: any.kind, record: any.record };
  }
  const path = opts.target.replace(/^\/+/, '');
  assertRepoPath(path);
  const e = snap.entry(path);
  if (!e) throw new MetaError('NOT_FOUND', `no file ${path} at ${snap.commit?.slice(0, 12) ?? 'the empty repository'}`, { path, commit: snap.commit });
  if (e.mode === '40000') throw new MetaError('INVALID_ARGUMENT', `${path} is a folder; give a .pb file in it`, { path });
  const any = repo.reader.any(snap, e.oid, { path, commit: snap.commit });
  return { path, githash: e.oid, commit: snap.commit!, kind: any.kind, record: any.record };
}

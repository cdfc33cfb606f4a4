import type { MetaRepo } from './openMeta.js';
import { listProjectNames, snapshotAt } from './lookup.js';
import { projectPath } from '../records/layout.js';
import type { Project } from '../records/types.js';

/**
 * Every project at a commit.
 *
 * @example
 * listProjects(repo).map((p) => p.name);
 */
export function listProjects(repo: MetaRepo, opts: { at?: string } = {}): (Project & { githash: string })[] {
  const snap = snapshotAt(repo, opts.at);
  return listProjectNames(snap).map((n) => {
    const h = repo.reader.at(snap, projectPath(n), 'project')!;
    return { ...h.record, githash: h.oid };
  });
}

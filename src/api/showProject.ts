/**
 * One project by its full or short name: what `GET /v1/projects/:project` answers, so a client
 * that was given `app` learns it is `acme/app` before it filters events or keeps state by name.
 */
import { requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import type { Project } from '../records/types.js';

/** A project record with its full name, githash and the commit it was read at. */
export interface ProjectView extends Project {
  githash: string;
  commit: string;
}

/**
 * The project `project` names (full, or a unique last segment such as `app`), at a commit
 * (default: the tip). NOT_FOUND, or INVALID_ARGUMENT when a short name is ambiguous.
 *
 * @example
 * showProject(repo, { project: 'app' }).name // 'acme/app'
 */
export function showProject(repo: MetaRepo, opts: { project: string; at?: string }): ProjectView {
  const snap = snapshotAt(repo, opts.at);
  const p = requireProject(repo, snap, opts.project);
  return { ...p.record, name: p.name, githash: p.githash, commit: snap.commit! };
}

import { MetaError } from '../errors/MetaError.js';
import type { Pipeline } from '../records/types.js';
import { requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pipelineAt } from './readPipeline.js';

/** The stable `--json` shape of `meta pipeline show`. */
export interface PipelineView {
  project: string;
  commit: string;
  sequence: number;
  setAt: string;
  setBy: string;
  path: string;
  githash: string;
  /** The YAML it was set from. */
  source: string;
  pipeline: Omit<Pipeline, 'header' | 'source'>;
}

/**
 * The pipeline in force at a commit, ref or date (default: the tip), with who set it and when.
 * NOT_FOUND when the project has no pipeline there.
 *
 * @example
 * const v = showPipeline(repo, { project: 'acme/app', at: '2026-05-01' });
 * process.stdout.write(v.source);
 */
export function showPipeline(repo: MetaRepo, opts: { project: string; at?: string }): PipelineView {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const hit = pipelineAt(repo, snap, project);
  if (!hit) {
    throw new MetaError('NOT_FOUND', `project ${project} has no pipeline${opts.at ? ` at ${opts.at}` : ''}; set one with 'meta pipeline set ${project} --file pipeline.yaml'`, { project });
  }
  const { header, source, ...pipeline } = hit.record;
  return { project, commit: snap.commit!, sequence: hit.record.sequence, setAt: header.createdAt, setBy: header.actor, path: hit.path, githash: hit.githash, source, pipeline };
}

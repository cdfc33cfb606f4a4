import { MetaError } from '../errors/MetaError.js';
import { pipelinePath } from '../records/layout.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import { declaredNames } from './declaredNames.js';
import { listChannelNames, requireProject } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { parsePipeline } from './parsePipeline.js';
import { pipelineAt } from './readPipeline.js';
import { writeRecords } from './writeRecords.js';

export interface SetPipelineOptions {
  project: string;
  /** The pipeline file's text (YAML; see README "Pipelines"). */
  source: string;
}

export interface SetPipelineResult {
  project: string;
  sequence: number;
  /** False when the file is the one in force already (nothing written). */
  changed: boolean;
  commit: string;
  path: string;
  githash: string;
}

/**
 * Validates a pipeline file and appends it as the project's next pipeline version (sequence = last
 * + 1; two writers racing for one number conflict on the path, and the loser re-plans on the new
 * tip). Every stage's channel must be declared in meta.yaml or already hold records. Setting the
 * text in force again writes nothing (`changed: false`), so CI can apply it on every run.
 *
 * @example
 * const r = await setPipeline(repo, { project: 'acme/app', source: fs.readFileSync('pipeline.yaml', 'utf8') });
 * console.log(`pipeline v${r.sequence} at ${r.commit}`);
 */
export async function setPipeline(repo: MetaRepo, opts: SetPipelineOptions): Promise<SetPipelineResult> {
  if (typeof opts.source !== 'string') throw new MetaError('INVALID_ARGUMENT', 'the pipeline file must be text (YAML)', {});
  let project = opts.project;
  const res = await unlessNothingToWrite(writeRecords(repo, (snap) => {
    project = requireProject(repo, snap, opts.project).name;
    const channels = [...new Set([...declaredNames(snap).channels, ...listChannelNames(snap, project)])];
    const parsed = parsePipeline(opts.source, { channels });
    const current = pipelineAt(repo, snap, project);
    if (current && current.record.source === opts.source) {
      throw new NothingToWrite<SetPipelineResult>({ project, sequence: current.record.sequence, changed: false, commit: snap.commit!, path: current.path, githash: current.githash });
    }
    const sequence = (current?.record.sequence ?? 0) + 1;
    const path = pipelinePath(project, sequence);
    return {
      records: [{ kind: 'pipeline', path, body: { project, sequence, stages: parsed.stages, validate: parsed.validate, onPromote: parsed.onPromote, source: opts.source } }],
      message: `pipeline ${project} v${sequence}: ${parsed.stages.map((s) => s.channel).join(' → ')}`,
      result: { sequence, path },
    };
  }), (unchanged: SetPipelineResult) => unchanged);
  if (!('records' in res)) return res;
  return { project, sequence: res.value.sequence, changed: true, commit: res.commit, path: res.value.path, githash: res.records[0]!.githash };
}

import type { MetaRepo } from '../api/openMeta.js';
import type { CommandPolicy } from '../api/gates/GateOutcome.js';
import { listProjects } from '../api/listProjects.js';
import { pipelineAt } from '../api/readPipeline.js';
import { requireProject } from '../api/lookup.js';
import type { CaptainDecision } from './CaptainDecision.js';
import { failure, tendRollout } from './tendRollout.js';
import { tendStage } from './tendStage.js';

export interface CaptainPassOptions {
  /** Only these projects (default: every project with a pipeline). */
  projects?: string[];
  /** Whether command gates, `validate` and `on_promote` run (default: not at all). */
  commands?: CommandPolicy;
  /** Called with each decision as it is taken. */
  onDecision?: (d: CaptainDecision) => void;
  /** Stops the pass before its next stage (the stage under way finishes its write). */
  signal?: AbortSignal;
}

/**
 * One pass of the captain over every project with a pipeline, stage by stage in pipeline order:
 * first the stage's rollout (roll back a failing wave, widen a healthy one whose interval passed),
 * then, for an `auto` stage, its next candidate (gates evaluated, promoted when all pass). Reads
 * everything from the repository at its tip, so a restarted captain carries on where the records
 * say things are; writes go through `--expect`, so concurrent captains never promote twice.
 *
 * @example
 * const decisions = await captainPass(repo, { commands: { allow: true } });
 * for (const d of decisions) console.log(d.project, d.channel, d.action, d.message);
 */
export async function captainPass(repo: MetaRepo, opts: CaptainPassOptions = {}): Promise<CaptainDecision[]> {
  const out: CaptainDecision[] = [];
  const take = (d: CaptainDecision | null) => {
    if (!d) return;
    out.push(d);
    opts.onDecision?.(d);
  };
  const snap = repo.store.snapshot();
  const names = opts.projects ? opts.projects.map((p) => requireProject(repo, snap, p).name) : listProjects(repo).map((p) => p.name);
  const commands = opts.commands ?? { allow: false };
  for (const project of names) {
    const pipeline = pipelineAt(repo, repo.store.snapshot(), project)?.record;
    if (!pipeline) continue;
    // Channels this pass promoted into or widened: their new wave runs at least until the next pass.
    const touched = new Set<string>();
    for (const stage of pipeline.stages) {
      if (opts.signal?.aborted) return out;
      try {
        const w = await tendRollout(repo, project, stage.channel, touched, repo.clock());
        take(w);
        if (w?.action === 'rolled-back' || w?.action === 'wave-advanced') touched.add(stage.channel);
        if (!stage.auto || w?.action === 'held') continue;
        const p = await tendStage(repo, project, pipeline, stage, commands);
        take(p);
        if (p?.action === 'promoted') touched.add(stage.channel);
      } catch (e) {
        take(failure({ project, channel: stage.channel }, e, 'tend the stage'));
      }
    }
  }
  return out;
}

import { MetaError } from '../errors/MetaError.js';
import { checkChannel } from '../records/names.js';
import type { Pipeline, PipelineStage, ReleaseRef } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import { latestGateResults, recordGateResults, type RoundOutcome } from './gateResults.js';
import { commandsNotAllowed, commandVerdict } from './gates/commandGate.js';
import { evaluateGate } from './gates/evaluateGate.js';
import type { CommandPolicy, GateContext, GateOutcome } from './gates/GateOutcome.js';
import { commandEnvironment, runCommand } from './gates/runCommand.js';
import { requireProject, requireRelease } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pipelineAt } from './readPipeline.js';

/** How long `validate` and `on_promote` may run. */
export const PIPELINE_COMMAND_TIMEOUT_MS = 10 * 60_000;

export interface EvaluateStageOptions {
  project: string;
  version: string;
  /** The stage, by its channel. */
  channel: string;
  /** Who the GateResult records name (default: the handle's actor). */
  actor?: string;
  /**
   * Append the results as GateResult records in one commit: `true` (default) every result,
   * `'changes'` only those whose state differs from the gate's newest recorded result (a loop that
   * evaluates every pass keeps the log to the moments something changed), `false` none.
   */
  record?: boolean | 'changes';
  /** Whether and where command gates and `validate` run (default: not at all). */
  commands?: CommandPolicy;
}

export interface StageEvaluation {
  pipeline: Pipeline;
  stage: PipelineStage;
  candidate: ReleaseRef;
  /** The pipeline's `validate` (when set, first; index -1, type 'validate'), then every gate in order. */
  outcomes: RoundOutcome[];
  /** Every outcome passed. */
  passed: boolean;
  /** The commit read. */
  commit: string;
  /** The commit holding the GateResult records (absent with `record: false`, or when `'changes'` found none). */
  recorded?: string;
}

/**
 * The pipeline and the stage of `channel` at a snapshot, or NOT_FOUND saying what to do.
 *
 * @example
 * const { pipeline, stage } = requireStage(repo, repo.store.snapshot(), 'acme/app', 'beta');
 */
export function requireStage(repo: MetaRepo, snap: Snapshot, project: string, channel: string): { pipeline: Pipeline; stage: PipelineStage } {
  const p = pipelineAt(repo, snap, project)?.record;
  if (!p) throw new MetaError('NOT_FOUND', `project ${project} has no pipeline; set one with 'meta pipeline set ${project} --file pipeline.yaml'`, { project });
  const stage = p.stages.find((s) => s.channel === channel);
  if (!stage) {
    throw new MetaError('NOT_FOUND', `channel ${channel} is not a stage of ${project}'s pipeline (stages: ${p.stages.map((s) => s.channel).join(', ')}); promote outside the pipeline with 'meta channel promote'`, { project, channel, stages: p.stages.map((s) => s.channel) });
  }
  return { pipeline: p, stage };
}

/**
 * Runs the pipeline's `validate` (when set) and then every gate of a stage for one release, now,
 * against one snapshot of the tip; appends the results as GateResult records in one commit unless
 * `record: false`. A failed `validate` stops the round before the gates.
 *
 * @example
 * const e = await evaluateStage(repo, { project: 'acme/app', version: '1.4.2', channel: 'beta' });
 * for (const o of e.outcomes) console.log(o.type, o.state, o.detail);
 * if (e.passed) await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.4.2' });
 */
export async function evaluateStage(repo: MetaRepo, opts: EvaluateStageOptions): Promise<StageEvaluation> {
  const channel = checkChannel(opts.channel);
  const snap = repo.store.snapshot();
  const project = requireProject(repo, snap, opts.project).name;
  const { pipeline, stage } = requireStage(repo, snap, project, channel);
  const rel = requireRelease(repo, snap, project, opts.version);
  const candidate: ReleaseRef = { githash: rel.githash, version: opts.version };
  const commands = opts.commands ?? { allow: false };
  const ctx: GateContext = { repo, snap, project, pipeline, stage, candidate, release: rel.record, now: repo.clock(), commands };
  const outcomes: RoundOutcome[] = [];
  if (pipeline.validate.trim() !== '') {
    const v = commands.allow
      ? await runPipelineCommand(ctx, pipeline.validate, "the pipeline's validate")
      : commandsNotAllowed("the pipeline's validate");
    outcomes.push({ index: -1, type: 'validate', ...v });
  }
  if (outcomes.every((o) => o.state === 'passed')) {
    for (const [i, g] of stage.gates.entries()) outcomes.push(await evaluateGate(ctx, g, i) satisfies GateOutcome);
  }
  const passed = outcomes.every((o) => o.state === 'passed');
  let recorded: string | undefined;
  let toRecord = opts.record === false ? [] : outcomes;
  if (opts.record === 'changes') {
    const key = (o: RoundOutcome) => `${o.type}:${Math.max(0, o.index)}`;
    const last = latestGateResults(repo, snap, project, candidate, channel, pipeline.sequence, outcomes.map(key));
    toRecord = outcomes.filter((o) => last.get(key(o))?.state !== o.state);
  }
  if (toRecord.length > 0) {
    const writer = opts.actor ? { ...repo, actor: opts.actor } : repo;
    recorded = await recordGateResults(writer, { project, channel, release: candidate, pipelineSequence: pipeline.sequence, outcomes: toRecord });
  }
  return { pipeline, stage, candidate, outcomes, passed, commit: snap.commit!, recorded };
}

/**
 * Runs `validate` or `on_promote` with the `META_*` variables of the candidate on the stage,
 * bounded by {@link PIPELINE_COMMAND_TIMEOUT_MS}.
 *
 * @example
 * const v = await runPipelineCommand(ctx, pipeline.onPromote, "the pipeline's on_promote");
 */
export async function runPipelineCommand(ctx: GateContext, run: string, what: string): Promise<ReturnType<typeof commandVerdict>> {
  const { env, done } = commandEnvironment({ project: ctx.project, channel: ctx.stage.channel, release: ctx.candidate, record: ctx.release, commit: ctx.snap.commit ?? '' });
  try {
    return commandVerdict(what, await runCommand(run, { timeoutMs: PIPELINE_COMMAND_TIMEOUT_MS, env, cwd: ctx.commands.cwd }), PIPELINE_COMMAND_TIMEOUT_MS);
  } finally {
    done();
  }
}

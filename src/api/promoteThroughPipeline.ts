import { MetaError } from '../errors/MetaError.js';
import { evaluateStage, runPipelineCommand, type StageEvaluation } from './evaluateStage.js';
import { recordGateResults, type RoundOutcome } from './gateResults.js';
import type { CommandPolicy, GateVerdict } from './gates/GateOutcome.js';
import type { MetaRepo } from './openMeta.js';
import { promote } from './promote.js';
import type { PromotionResult } from './writePromotion.js';

export interface PipelinePromoteOptions {
  project: string;
  version: string;
  /** The stage (channel) to promote into. */
  to: string;
  /** Promote although gates did not pass; needs `reason`, and the promotion record says `forced`. */
  force?: boolean;
  reason?: string;
  /** The version that must be live on `to` now (`'none'`: nothing yet), as `channel promote --expect`. */
  expect?: string;
  /** Whether and where command gates, `validate` and `on_promote` run (default: not at all). */
  commands?: CommandPolicy;
  /**
   * A round the caller has just evaluated (`evaluateStage` with `record: false`) for this version
   * and stage: it is recorded and decides, instead of running every gate a second time (an http
   * or command gate has effects, and takes time). `expect` still guards the channel.
   */
  evaluated?: StageEvaluation;
}

export interface PipelinePromoteResult {
  promoted: boolean;
  outcomes: RoundOutcome[];
  /** The promotion written (absent when the release was live already: `promotion.changed` false). */
  promotion?: PromotionResult;
  /** The commit holding the round's GateResult records. */
  gatesCommit?: string;
  /** The pipeline's `on_promote`, when it ran after the promotion landed. */
  onPromote?: GateVerdict;
  warnings: string[];
}

const MAX_REASON = 1500;

/** One line per outcome, bounded: the promotion record's reason says what let it through. */
function summary(outcomes: RoundOutcome[]): string {
  // Command output stays in the GateResult records; the reason keeps the short facts.
  const facts = (e: Record<string, string>) => Object.entries(e).filter(([k]) => k !== 'output').map(([k, v]) => `${k}=${v}`).join(' ');
  const s = outcomes.map((o) => `${o.type} ${o.state} (${o.detail})${Object.keys(o.evidence).some((k) => k !== 'output') ? ` [${facts(o.evidence)}]` : ''}`).join('; ');
  return s.length > MAX_REASON ? `${s.slice(0, MAX_REASON)}…` : s;
}

/**
 * Promotes a release into a pipeline stage the way the pipeline allows: evaluates the stage's
 * gates now (after `validate`), appends their results, and promotes only when all pass, with a
 * reason listing them; then runs `on_promote`. Otherwise PRECONDITION_FAILED (exit 5) naming the
 * gates that did not pass (`data.gates`). `force` with a `reason` promotes anyway and marks the
 * promotion record `forced`. A channel on hold still refuses (release it with `channel unhold`).
 *
 * @example
 * try {
 *   const r = await promoteThroughPipeline(repo, { project: 'acme/app', version: '1.4.2', to: 'stable' });
 *   console.log(r.promotion?.sequence);
 * } catch (e) { if (isMetaError(e, 'PRECONDITION_FAILED')) console.log(e.data.gates); else throw e; }
 */
export async function promoteThroughPipeline(repo: MetaRepo, opts: PipelinePromoteOptions): Promise<PipelinePromoteResult> {
  if (opts.force && !opts.reason?.trim()) {
    throw new MetaError('INVALID_ARGUMENT', '--force needs --reason: the promotion record keeps why the gates were overridden', {});
  }
  const commands = opts.commands ?? { allow: false };
  let ev = opts.evaluated;
  if (ev) {
    if (ev.candidate.version !== opts.version || ev.stage.channel !== opts.to) {
      throw new MetaError('INTERNAL', `the evaluation given is of ${ev.candidate.version} into ${ev.stage.channel}, not ${opts.version} into ${opts.to}`, {});
    }
    if (!ev.recorded && ev.outcomes.length > 0) {
      const recorded = await recordGateResults(repo, { project: ev.pipeline.project, channel: opts.to, release: ev.candidate, pipelineSequence: ev.pipeline.sequence, outcomes: ev.outcomes });
      ev = { ...ev, recorded };
    }
  } else {
    ev = await evaluateStage(repo, { project: opts.project, version: opts.version, channel: opts.to, commands });
  }
  const project = ev.pipeline.project;
  const blocking = ev.outcomes.filter((o) => o.state !== 'passed');
  if (blocking.length > 0 && !opts.force) {
    const list = blocking.map((o) => `${o.type}${o.index >= 0 ? ` #${o.index + 1}` : ''} ${o.state}: ${o.detail}`).join('; ');
    throw new MetaError('PRECONDITION_FAILED', `${opts.version} cannot enter ${opts.to}: ${blocking.length} gate${blocking.length === 1 ? '' : 's'} did not pass: ${list}; see 'meta pipeline status ${project}', or pass --force --reason '…' to promote anyway`, {
      project, version: opts.version, channel: opts.to, gates: blocking, gatesCommit: ev.recorded,
    });
  }
  const reason = blocking.length > 0
    ? `forced past ${blocking.length} gate${blocking.length === 1 ? '' : 's'} that did not pass: ${opts.reason!.trim()}; gates: ${summary(ev.outcomes)}`
    : `${opts.reason?.trim() ? `${opts.reason.trim()}; ` : ''}pipeline v${ev.pipeline.sequence} gates passed${ev.outcomes.length ? `: ${summary(ev.outcomes)}` : ' (none)'}`;
  // The stage's rollout goes along: the promotion starts at its first wave.
  const promotion = await promote(repo, { project, channel: opts.to, version: opts.version, expect: opts.expect, reason, forced: blocking.length > 0, rollout: ev.stage.rollout ?? undefined });
  const warnings = [...promotion.warnings];
  let onPromote: GateVerdict | undefined;
  if (promotion.changed && ev.pipeline.onPromote.trim() !== '') {
    if (commands.allow) {
      const snap = repo.store.snapshot(promotion.commit);
      const ctx = { repo, snap, project, pipeline: ev.pipeline, stage: ev.stage, candidate: ev.candidate, release: repo.reader.byOid(snap, ev.candidate.githash, 'release'), now: repo.clock(), commands };
      onPromote = await runPipelineCommand(ctx, ev.pipeline.onPromote, "the pipeline's on_promote");
      if (onPromote.state !== 'passed') warnings.push(`${onPromote.detail} (the promotion stands)`);
    } else {
      warnings.push("the pipeline's on_promote was not run: commands from the pipeline run only with --allow-commands");
    }
  }
  return { promoted: promotion.changed, outcomes: ev.outcomes, promotion, gatesCommit: ev.recorded, onPromote, warnings };
}

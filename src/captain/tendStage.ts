import { isMetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { evaluateStage } from '../api/evaluateStage.js';
import { latestGateResults, recordGateResults, type RoundOutcome } from '../api/gateResults.js';
import type { CommandPolicy } from '../api/gates/GateOutcome.js';
import { promoteThroughPipeline } from '../api/promoteThroughPipeline.js';
import { stageCandidate } from '../api/stageCandidate.js';
import type { Pipeline, PipelineStage } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import type { CaptainDecision } from './CaptainDecision.js';
import { failure } from './tendRollout.js';

/** `http #2 failed (503 after 3 tries)`: a round's outcomes for a message. */
function outcomeText(outcomes: RoundOutcome[]): string {
  return outcomes.map((o) => `${o.type}${o.index >= 0 ? ` #${o.index + 1}` : ''} ${o.state}${o.detail ? ` (${o.detail})` : ''}`).join('; ');
}

/**
 * The captain's care of one `auto` stage: takes the stage's candidate (newest release live on
 * `after`, not yanked, not live here, not rolled back from here), evaluates its gates, and
 * promotes it through the pipeline when all pass (`--expect` the release live now, so a second
 * captain or a person who moved first makes this one re-plan instead of promoting twice). A
 * blocked round is appended as GateResult records only when a gate's state changed since the
 * newest recorded round, so a captain waiting out a soak does not write a commit every pass.
 * Returns null when there is nothing to do.
 */
export async function tendStage(repo: MetaRepo, project: string, pipeline: Pipeline, stage: PipelineStage, commands: CommandPolicy): Promise<CaptainDecision | null> {
  const snap = repo.store.snapshot();
  const state = channelState(snap, repo.reader, project, stage.channel);
  const base = { project, channel: stage.channel };
  if (state.held) return { ...base, action: 'held', message: `${project} ${stage.channel} is on hold; not promoting into it` };
  if (state.rollout && !state.rollout.complete) return null; // the rollout runs its course (or rolls back) first
  const cand = stageCandidate(repo, snap, project, stage);
  if (!cand) return null;
  if (stage.after) {
    // A release still rolling out on the stage before is not live there for every host yet.
    const before = channelState(snap, repo.reader, project, stage.after).rollout;
    if (before && !before.complete && before.target.githash === cand.githash) {
      return { ...base, action: 'waiting', version: cand.version, message: `${cand.version} is still rolling out on ${stage.after} (wave ${before.wave + 1}/${before.waves.length})` };
    }
  }
  const at = { ...base, version: cand.version };
  let ev;
  try {
    ev = await evaluateStage(repo, { project, version: cand.version, channel: stage.channel, record: false, commands });
  } catch (e) {
    return failure(at, e, 'evaluate the gates');
  }
  if (!ev.passed) {
    const keys = ev.outcomes.map((o) => `${o.type}:${Math.max(0, o.index)}`);
    const last = latestGateResults(repo, repo.store.snapshot(), project, { githash: cand.githash, version: cand.version }, stage.channel, pipeline.sequence, keys);
    const changed = ev.outcomes.some((o, i) => last.get(keys[i]!)?.state !== o.state);
    let commit: string | undefined;
    if (changed) {
      try {
        commit = await recordGateResults(repo, { project, channel: stage.channel, release: { githash: cand.githash, version: cand.version }, pipelineSequence: pipeline.sequence, outcomes: ev.outcomes });
      } catch (e) {
        return failure(at, e, 'record the gate results');
      }
    }
    return { ...at, action: 'blocked', message: outcomeText(ev.outcomes.filter((o) => o.state !== 'passed')), commit };
  }
  try {
    // This round decides and is recorded beside the promotion: every gate ran once in this pass.
    const res = await promoteThroughPipeline(repo, { project, version: cand.version, to: stage.channel, expect: state.current?.version ?? 'none', commands, reason: 'meta captain', evaluated: ev });
    if (!res.promoted || !res.promotion) return null;
    const p = res.promotion;
    const waves = p.rollout ? `; rolling out in waves ${p.rollout.waves.join(',')}%` : '';
    return { ...at, action: 'promoted', message: `gates passed: ${outcomeText(res.outcomes) || 'none'}${waves}${res.warnings.length ? `; ${res.warnings.join('; ')}` : ''}`, commit: p.commit };
  } catch (e) {
    if (isMetaError(e) && e.code === 'PRECONDITION_FAILED' && Array.isArray((e.data as { gates?: unknown }).gates)) {
      const gates = (e.data as { gates: RoundOutcome[] }).gates;
      return { ...at, action: 'blocked', message: outcomeText(gates) };
    }
    return failure(at, e, 'promote');
  }
}

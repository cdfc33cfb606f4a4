import { MetaError } from '../errors/MetaError.js';
import type { GateState, Pipeline, PipelineStage } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import { evidenceObject, latestGateResults } from './gateResults.js';
import { approvalsGate } from './gates/approvalsGate.js';
import type { GateContext, GateVerdict } from './gates/GateOutcome.js';
import { soakGate } from './gates/soakGate.js';
import { verificationGate } from './gates/verificationGate.js';
import { requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pipelineAt } from './readPipeline.js';
import { stageCandidate } from './stageCandidate.js';

export interface GateStatus {
  /** A gate type, or `validate` (the pipeline's validate command, listed first when set). */
  type: string;
  state: GateState;
  detail: string;
  evidence: Record<string, string>;
  /** When the state was established: the GateResult's time, or the time of the read for gates computed from records. */
  at: string | null;
  /** `record`: the newest GateResult; `live`: computed from approvals, verifications or promotion times at the read commit; `none`: never evaluated. */
  from: 'record' | 'live' | 'none';
}

export interface StageStatus {
  channel: string;
  after: string;
  auto: boolean;
  live: { version: string; since: string; actor: string } | null;
  candidate: { version: string } | null;
  held: boolean;
  rollout: { wave: number; percent: number } | null;
  gates: GateStatus[];
}

/** The stable `--json` shape of `meta pipeline status` and `GET /v1/projects/:project/pipeline/status`. */
export interface PipelineStatusView {
  project: string;
  commit: string;
  pipeline: { sequence: number };
  stages: StageStatus[];
}

/** Gates whose state follows from records alone: computed at the read commit instead of read back. */
const LIVE = new Set(['approvals', 'verification', 'soak']);

/**
 * Where every stage of a project's pipeline stands at a commit, ref or date (default: the tip):
 * what is live, the candidate that would enter next, holds, the rollout wave, and each gate's
 * state. A read: http, fleet and command gates show their newest recorded evaluation (never run
 * here); approvals, verification and soak are computed from the records at that commit. NOT_FOUND
 * when the project has no pipeline there.
 *
 * @example
 * const s = pipelineStatus(repo, { project: 'acme/app' });
 * for (const st of s.stages) console.log(st.channel, st.live?.version, st.candidate?.version, st.gates.map((g) => `${g.type}:${g.state}`));
 */
export function pipelineStatus(repo: MetaRepo, opts: { project: string; at?: string }): PipelineStatusView {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const hit = pipelineAt(repo, snap, project);
  if (!hit) throw new MetaError('NOT_FOUND', `project ${project} has no pipeline${opts.at ? ` at ${opts.at}` : ''}; set one with 'meta pipeline set ${project} --file pipeline.yaml'`, { project });
  const pipeline = hit.record;
  // At an older commit, "now" is that commit's time, so soak reads as it did then.
  const now = opts.at ? new Date(repo.store.readCommit(snap.commit!).committer.timestamp * 1000) : repo.clock();
  return { project, commit: snap.commit!, pipeline: { sequence: pipeline.sequence }, stages: pipeline.stages.map((stage) => stageStatus(repo, snap, project, pipeline, stage, now)) };
}

function stageStatus(repo: MetaRepo, snap: ReturnType<typeof snapshotAt>, project: string, pipeline: Pipeline, stage: PipelineStage, now: Date): StageStatus {
  const st = channelState(snap, repo.reader, project, stage.channel);
  const live = st.current && st.currentEntry ? { version: st.current.version, since: st.currentEntry.record.header.createdAt, actor: st.currentEntry.record.header.actor } : null;
  // The rollout the channel's records put in force (ended by a rollback, a later promotion or a yank).
  const rollout: StageStatus['rollout'] = st.rollout ? { wave: st.rollout.wave, percent: st.rollout.percent } : null;
  const cand = stageCandidate(repo, snap, project, stage);
  const gates: GateStatus[] = [];
  if (cand) {
    const ctx: GateContext = { repo, snap, project, pipeline, stage, candidate: { version: cand.version, githash: cand.githash }, release: cand.record, now, commands: { allow: false } };
    const wanted = [...(pipeline.validate.trim() ? ['validate:0'] : []), ...stage.gates.flatMap((g, i) => (LIVE.has(g.type) ? [] : [`${g.type}:${i}`]))];
    const recorded = latestGateResults(repo, snap, project, ctx.candidate, stage.channel, pipeline.sequence, wanted);
    const fromRecord = (key: string, type: string): GateStatus => {
      const r = recorded.get(key);
      return r
        ? { type, state: r.state, detail: r.detail, evidence: evidenceObject(r.evidence), at: r.header.createdAt, from: 'record' }
        : { type, state: 'pending', detail: 'not evaluated yet', evidence: {}, at: null, from: 'none' };
    };
    if (pipeline.validate.trim()) gates.push(fromRecord('validate:0', 'validate'));
    stage.gates.forEach((g, i) => {
      if (!LIVE.has(g.type)) {
        gates.push(fromRecord(`${g.type}:${i}`, g.type));
        return;
      }
      let v: GateVerdict;
      try {
        v = g.type === 'soak' ? soakGate(ctx, g) : g.type === 'approvals' ? approvalsGate(ctx, g) : verificationGate(ctx, g as { name: string });
      } catch (e) {
        v = { state: 'failed', detail: `could not be evaluated: ${e instanceof MetaError ? e.message : 'internal error'}`, evidence: {} };
      }
      gates.push({ type: g.type, ...v, at: now.toISOString(), from: 'live' });
    });
  }
  return { channel: stage.channel, after: stage.after, auto: stage.auto, live, candidate: cand ? { version: cand.version } : null, held: st.held, rollout, gates };
}

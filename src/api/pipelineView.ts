import { pipelineDir } from '../records/layout.js';
import type { Gate, GateState, Label, Pipeline, PromotionRollout, ReleaseRef, RolloutPolicy } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import type { Snapshot } from '../store/Snapshot.js';
import { listChannelNames } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { releaseEvidence } from './releaseEvidence.js';

/** One gate of a stage with its state for the stage's candidate (`none`: never evaluated). */
export interface GateView {
  index: number;
  gate: Gate;
  state: GateState | 'none';
  detail: string;
  evidence: Label[];
  at: string | null;
}

/** One stage of the pipeline as it stands at a commit. */
export interface StageView {
  channel: string;
  after: string;
  auto: boolean;
  rollout: RolloutPolicy | null;
  live: ReleaseRef | null;
  since: string | null;
  held: boolean;
  holdReason: string;
  /** The rollout of the live release when it goes out in waves: the wave it is at. */
  wave: PromotionRollout | null;
  /** The release waiting to enter this stage: live on the stage before it and not yet here. */
  candidate: ReleaseRef | null;
  /** The gates, evaluated for the candidate (or for the live release when there is none). */
  gates: GateView[];
  approvals: { actor: string; comment: string; at: string }[];
}

export interface PipelineView {
  sequence: number;
  setAt: string;
  setBy: string;
  stages: StageView[];
}

/** The newest pipeline record of a project at a snapshot, or null when it has none. */
export function currentPipeline(repo: MetaRepo, snap: Snapshot, project: string): Pipeline | null {
  const dir = pipelineDir(project);
  const shards = snap.list(dir).filter((e) => e.mode === '40000').map((e) => e.name).sort();
  for (let i = shards.length - 1; i >= 0; i--) {
    const files = snap.list(`${dir}/${shards[i]}`).filter((e) => e.name.endsWith('.pb')).sort((a, b) => (a.name < b.name ? -1 : 1));
    const last = files[files.length - 1];
    if (last) return repo.reader.byOid(snap, last.oid, 'pipeline', { path: `${dir}/${shards[i]}/${last.name}`, commit: snap.commit });
  }
  return null;
}

/**
 * A project's pipeline at a snapshot as the dashboard draws it: per stage the live release, its
 * rollout wave, hold, the candidate waiting to enter, and each gate's newest state with its
 * evidence. Null when the project has no pipeline record.
 *
 * @example
 * const p = pipelineView(repo, repo.store.snapshot(), 'acme/app');
 * p?.stages.map((s) => `${s.channel}: ${s.live?.version ?? '-'}`);
 */
export function pipelineView(repo: MetaRepo, snap: Snapshot, project: string): PipelineView | null {
  const pipeline = currentPipeline(repo, snap, project);
  if (!pipeline) return null;
  const known = new Set(listChannelNames(snap, project));
  const states = new Map(pipeline.stages.map((s) => [s.channel, known.has(s.channel) ? channelState(snap, repo.reader, project, s.channel) : null]));
  const stages = pipeline.stages.map((stage): StageView => {
    const st = states.get(stage.channel) ?? null;
    const before = stage.after ? states.get(stage.after)?.current ?? null : null;
    const candidate = before && before.githash !== st?.current?.githash ? before : null;
    const subject = candidate ?? st?.current ?? null;
    const ev = subject ? releaseEvidence(repo, snap, project, subject.version) : null;
    const gates = stage.gates.map((gate, index): GateView => {
      const r = ev?.gates.find((g) => g.channel === stage.channel && g.gateIndex === index && g.latest);
      return { index, gate, state: r?.state ?? 'none', detail: r?.detail ?? '', evidence: r?.evidence ?? [], at: r?.at ?? null };
    });
    const rollout = st?.currentEntry?.record.rollout ?? null;
    return {
      channel: stage.channel, after: stage.after, auto: stage.auto, rollout: stage.rollout, live: st?.current ?? null,
      since: st?.currentEntry?.record.header.createdAt ?? null, held: st?.held ?? false, holdReason: st?.holdEntry?.record.reason ?? '',
      wave: rollout && rollout.waves.length > 0 ? rollout : null, candidate, gates,
      approvals: (ev?.approvals ?? []).filter((a) => a.channel === stage.channel).map((a) => ({ actor: a.actor, comment: a.comment, at: a.at })),
    };
  });
  return { sequence: pipeline.sequence, setAt: pipeline.header.createdAt, setBy: pipeline.header.actor, stages };
}

/**
 * GateResult records: every evaluation round appends one per gate it judged, in one commit, so
 * "why did 1.4.2 reach stable at 14:03?" is answered by the log; status reads the newest ones back.
 */
import { gateResultPath, gateResultsDir } from '../records/layout.js';
import type { GateResult, ReleaseRef } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { GateOutcome } from './gates/GateOutcome.js';
import type { MetaRepo } from './openMeta.js';
import { writeRecords } from './writeRecords.js';

/** What one round judged: a gate outcome, or the pipeline's `validate` command (`type: 'validate'`). */
export type RoundOutcome = Omit<GateOutcome, 'type'> & { type: GateOutcome['type'] | 'validate' };

/**
 * Appends one GateResult per outcome in one commit (the pipeline's `validate` is stored as gate
 * type `validate`, index 0). Returns the commit.
 *
 * @example
 * await recordGateResults(repo, { project: 'acme/app', channel: 'beta', release, pipelineSequence: 3, outcomes });
 */
export async function recordGateResults(repo: MetaRepo, opts: { project: string; channel: string; release: ReleaseRef; pipelineSequence: number; outcomes: RoundOutcome[] }): Promise<string> {
  const res = await writeRecords(repo, (_snap, now) => ({
    records: opts.outcomes.map((o) => ({
      kind: 'gate' as const,
      path: gateResultPath(opts.project, opts.release.version, opts.channel, now),
      body: {
        project: opts.project, release: opts.release, channel: opts.channel, pipelineSequence: opts.pipelineSequence,
        gateIndex: Math.max(0, o.index), gateType: o.type, state: o.state, detail: o.detail,
        evidence: Object.entries(o.evidence).map(([key, value]) => ({ key, value })),
      },
    })),
    message: `gates ${opts.project} ${opts.release.version} → ${opts.channel}: ${opts.outcomes.map((o) => `${o.type} ${o.state}`).join(', ')}`,
    result: null,
  }));
  return res.commit;
}

/**
 * The newest GateResult of each gate (keyed `<type>:<index>`) for a release on a channel under
 * one pipeline version, at a snapshot. Reads newest first and stops once every wanted key is found.
 *
 * @example
 * latestGateResults(repo, snap, 'acme/app', release, 'beta', 3, ['http:1']).get('http:1')?.state
 */
export function latestGateResults(repo: MetaRepo, snap: Snapshot, project: string, release: ReleaseRef, channel: string, pipelineSequence: number, wanted: string[]): Map<string, GateResult> {
  const dir = gateResultsDir(project, release.version, channel);
  const out = new Map<string, GateResult>();
  if (wanted.length === 0) return out;
  const files = snap.list(dir).filter((e) => e.name.endsWith('.pb')).sort((a, b) => (a.name < b.name ? 1 : -1));
  for (const f of files) {
    const r = repo.reader.byOid(snap, f.oid, 'gate', { path: `${dir}/${f.name}`, commit: snap.commit });
    if (r.release.githash !== release.githash || r.pipelineSequence !== pipelineSequence) continue;
    const key = `${r.gateType}:${r.gateIndex}`;
    if (wanted.includes(key) && !out.has(key)) out.set(key, r);
    if (out.size === wanted.length) break;
  }
  return out;
}

/**
 * Evidence labels as an object.
 *
 * @example
 * evidenceObject([{ key: 'status', value: '503' }]) // { status: '503' }
 */
export function evidenceObject(labels: readonly { key: string; value: string }[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of labels) o[l.key] = l.value;
  return o;
}

import { releaseDir } from '../records/layout.js';
import type { GateState, Label, VerificationStatus } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';

/** The evidence recorded for a release: approvals, verifications and gate results per channel, and verified copies of its binaries. */
export interface ReleaseEvidence {
  approvals: { channel: string; actor: string; comment: string; at: string; githash: string }[];
  /** Newest first per channel and name; `latest` marks the one that counts. */
  verifications: { channel: string; name: string; status: VerificationStatus; url: string; message: string; at: string; by: string; latest: boolean }[];
  /** Newest first per channel and gate; `latest` marks the one that counts. */
  gates: { channel: string; gateIndex: number; gateType: string; state: GateState; detail: string; evidence: Label[]; pipelineSequence: number; at: string; by: string; latest: boolean }[];
  /** Verified copies, by platform (`os/arch[/variant]`), oldest first. */
  locations: { platform: string; url: string; region: string; verifiedAt: string; method: string; size: number; by: string }[];
}

/** The `.pb` files below `<dir>/<sub>/`, with `<sub>` (a channel or a platform file name). */
function filesBySub(snap: Snapshot, dir: string): { sub: string; path: string; oid: string }[] {
  const out: { sub: string; path: string; oid: string }[] = [];
  for (const s of snap.list(dir)) {
    if (s.mode !== '40000') continue;
    for (const f of snap.list(`${dir}/${s.name}`)) if (f.name.endsWith('.pb') && f.mode !== '40000') out.push({ sub: s.name, path: `${dir}/${s.name}/${f.name}`, oid: f.oid });
  }
  // Timed file names sort by time.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Every approval, verification, gate result and verified binary location recorded for one
 * release at a snapshot: a few folder listings beside its release.pb, never a walk of history.
 *
 * @example
 * const e = releaseEvidence(repo, repo.store.snapshot(), 'acme/app', '1.4.2');
 * e.approvals.filter((a) => a.channel === 'stable').length;
 */
export function releaseEvidence(repo: MetaRepo, snap: Snapshot, project: string, version: string): ReleaseEvidence {
  const dir = releaseDir(project, version);
  const ctx = (path: string) => ({ path, commit: snap.commit });
  const approvals = filesBySub(snap, `${dir}/approvals`).map((f) => {
    const r = repo.reader.byOid(snap, f.oid, 'approval', ctx(f.path));
    return { channel: r.channel, actor: r.header.actor, comment: r.comment, at: r.header.createdAt, githash: f.oid };
  });
  const seen = new Set<string>();
  const verifications = filesBySub(snap, `${dir}/verifications`).reverse().map((f) => {
    const r = repo.reader.byOid(snap, f.oid, 'verification', ctx(f.path));
    const key = `${r.channel}\n${r.name}`;
    const latest = !seen.has(key);
    seen.add(key);
    return { channel: r.channel, name: r.name, status: r.status, url: r.url, message: r.message, at: r.header.createdAt, by: r.header.actor, latest };
  });
  const seenGate = new Set<string>();
  const gates = filesBySub(snap, `${dir}/gates`).reverse().map((f) => {
    const r = repo.reader.byOid(snap, f.oid, 'gate', ctx(f.path));
    const key = `${r.channel}\n${r.gateIndex}`;
    const latest = !seenGate.has(key);
    seenGate.add(key);
    return {
      channel: r.channel, gateIndex: r.gateIndex, gateType: r.gateType, state: r.state, detail: r.detail, evidence: r.evidence,
      pipelineSequence: r.pipelineSequence, at: r.header.createdAt, by: r.header.actor, latest,
    };
  });
  const locations = filesBySub(snap, `${dir}/locations`).map((f) => {
    const r = repo.reader.byOid(snap, f.oid, 'location', ctx(f.path));
    const platform = [r.platform.os, r.platform.arch, r.platform.variant].filter(Boolean).join('/');
    return { platform, url: r.url, region: r.region, verifiedAt: r.verifiedAt, method: r.method, size: r.size, by: r.header.actor };
  });
  return { approvals, verifications, gates, locations };
}

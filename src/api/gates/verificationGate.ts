import { verificationsDir } from '../../records/layout.js';
import type { GateContext, GateVerdict } from './GateOutcome.js';

/**
 * `verification`: the newest Verification record of this name for the candidate on the stage's
 * channel decides: passed → passed, failed → failed, none → pending.
 *
 * @example
 * verificationGate(ctx, { type: 'verification', name: 'smoke' }) // { state: 'pending', detail: "no verification 'smoke' recorded yet", … }
 */
export function verificationGate(ctx: GateContext, gate: { name: string }): GateVerdict {
  const dir = verificationsDir(ctx.project, ctx.candidate.version, ctx.stage.channel);
  // File names begin with the record's time, so the newest sorts last.
  const files = ctx.snap.list(dir).filter((e) => e.name.endsWith('.pb')).sort((a, b) => (a.name < b.name ? 1 : -1));
  for (const f of files) {
    const path = `${dir}/${f.name}`;
    const v = ctx.repo.reader.byOid(ctx.snap, f.oid, 'verification', { path, commit: ctx.snap.commit });
    if (v.name !== gate.name || v.release.githash !== ctx.candidate.githash) continue;
    const evidence: Record<string, string> = { status: v.status, by: v.header.actor, at: v.header.createdAt };
    if (v.url) evidence.url = v.url;
    const msg = v.message ? `: ${v.message.split('\n')[0]!.slice(0, 200)}` : '';
    return { state: v.status, detail: `verification '${gate.name}' ${v.status} (${v.header.actor}, ${v.header.createdAt})${msg}`, evidence };
  }
  return { state: 'pending', detail: `no verification '${gate.name}' recorded yet for ${ctx.candidate.version} on ${ctx.stage.channel}`, evidence: {} };
}

import { approvalsDir } from '../../records/layout.js';
import type { GateContext, GateVerdict } from './GateOutcome.js';

/**
 * `approvals`: Approval records for the candidate on the stage's channel from at least `count`
 * distinct actors (the same actor approving twice counts once). Pending until then.
 *
 * @example
 * approvalsGate(ctx, { type: 'approvals', count: 2 }) // { state: 'pending', detail: '1 of 2 approvals (ada)', … }
 */
export function approvalsGate(ctx: GateContext, gate: { count: number }): GateVerdict {
  const dir = approvalsDir(ctx.project, ctx.candidate.version, ctx.stage.channel);
  const actors = new Set<string>();
  for (const f of ctx.snap.list(dir)) {
    if (!f.name.endsWith('.pb')) continue;
    const a = ctx.repo.reader.byOid(ctx.snap, f.oid, 'approval', { path: `${dir}/${f.name}`, commit: ctx.snap.commit });
    if (a.release.githash === ctx.candidate.githash) actors.add(a.header.actor);
  }
  const list = [...actors].sort();
  const shown = list.length ? ` (${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''})` : '';
  const evidence = { approvals: String(list.length), required: String(gate.count) };
  const state = list.length >= gate.count ? 'passed' : 'pending';
  return { state, detail: `${list.length} of ${gate.count} approval${gate.count === 1 ? '' : 's'}${shown}`, evidence };
}

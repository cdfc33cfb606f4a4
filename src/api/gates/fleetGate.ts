import { listInstances } from '../listInstances.js';
import type { GateContext, GateVerdict } from './GateOutcome.js';

/**
 * `fleet`: at least `percent` of the hosts reporting on the stage's `after` channel run the
 * candidate with status running. No hosts yet → pending; below the share → pending while it can
 * still be reached, failed once too many hosts report `failed` on the candidate for it ever to be.
 *
 * @example
 * fleetGate(ctx, { type: 'fleet', percent: 90 }) // { state: 'passed', detail: '19 of 20 hosts on dev run 1.4.2 (95% ≥ 90%)', … }
 */
export function fleetGate(ctx: GateContext, gate: { percent: number }): GateVerdict {
  const after = ctx.stage.after;
  const view = listInstances(ctx.repo, { project: ctx.project, at: ctx.snap.commit ?? undefined, now: ctx.now });
  const hosts = view.hosts.filter((h) => h.channel === after);
  const running = hosts.filter((h) => h.version === ctx.candidate.version && h.status === 'running').length;
  const failed = hosts.filter((h) => h.version === ctx.candidate.version && h.status === 'failed').length;
  const evidence = { hosts: String(hosts.length), running: String(running), failed: String(failed), required_percent: String(gate.percent) };
  if (hosts.length === 0) return { state: 'pending', detail: `no host reports on ${after} yet`, evidence };
  const pct = Math.floor((running * 100) / hosts.length);
  const line = `${running} of ${hosts.length} hosts on ${after} run ${ctx.candidate.version} (${pct}%`;
  if (running * 100 >= gate.percent * hosts.length) return { state: 'passed', detail: `${line} ≥ ${gate.percent}%)`, evidence };
  if ((hosts.length - failed) * 100 < gate.percent * hosts.length) {
    return { state: 'failed', detail: `${line} < ${gate.percent}%; ${failed} report failed, so ${gate.percent}% cannot be reached)`, evidence };
  }
  return { state: 'pending', detail: `${line} < ${gate.percent}%)`, evidence };
}

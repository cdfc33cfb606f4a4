import { channelState } from '../../resolve/channelState.js';
import { formatDuration } from '../parseDuration.js';
import type { GateContext, GateVerdict } from './GateOutcome.js';

/**
 * `soak`: the candidate has been live on the stage's `after` channel for at least `seconds`
 * (from the record that made it live there, or, rolled out in waves, from the record that put
 * its last wave live); for the first stage, since the release was recorded. Pending, with the
 * time left, until then.
 *
 * @example
 * soakGate(ctx, { type: 'soak', seconds: 1800 }) // { state: 'pending', detail: 'live on dev for 12m; 18m left of 30m', … }
 */
export function soakGate(ctx: GateContext, gate: { seconds: number }): GateVerdict {
  const need = gate.seconds * 1000;
  let since: string;
  let where: string;
  if (ctx.stage.after === '') {
    since = ctx.release.header.createdAt;
    where = 'recorded';
  } else {
    const st = channelState(ctx.snap, ctx.repo.reader, ctx.project, ctx.stage.after);
    if (st.current?.githash !== ctx.candidate.githash || !st.currentEntry) {
      return { state: 'pending', detail: `${ctx.candidate.version} is not live on ${ctx.stage.after}`, evidence: { required_seconds: String(gate.seconds), live: 'false' } };
    }
    since = st.currentEntry.record.header.createdAt;
    where = `live on ${ctx.stage.after}`;
    // In waves, it is live on the stage once every host has it: the soak starts at the last wave.
    const ro = st.rollout;
    if (ro && ro.target.githash === ctx.candidate.githash) {
      if (!ro.complete) {
        return { state: 'pending', detail: `${ctx.candidate.version} is rolling out on ${ctx.stage.after} (wave ${ro.wave + 1} of ${ro.waves.length}, ${ro.percent}%)`, evidence: { required_seconds: String(gate.seconds), live: 'partly', percent: String(ro.percent) } };
      }
      since = ro.waveEntry.record.header.createdAt;
      where = `live on all of ${ctx.stage.after}`;
    }
  }
  const soaked = Math.max(0, ctx.now.getTime() - Date.parse(since));
  const evidence = { since, soaked_seconds: String(Math.floor(soaked / 1000)), required_seconds: String(gate.seconds) };
  if (soaked >= need) return { state: 'passed', detail: `${where} for ${formatDuration(soaked)} (≥ ${formatDuration(need)})`, evidence };
  return { state: 'pending', detail: `${where} for ${formatDuration(soaked)}; ${formatDuration(need - soaked)} left of ${formatDuration(need)}`, evidence };
}

import type { ChannelRollout } from '../resolve/channelRollout.js';
import { inWave } from '../resolve/inWave.js';
import { listInstances } from './listInstances.js';
import type { MetaRepo } from './openMeta.js';

/** What the hosts of a rollout's live wave report, and what that means for the rollout. */
export interface WaveHealth {
  project: string;
  channel: string;
  version: string;
  /** Index of the live wave (0 = first). */
  wave: number;
  percent: number;
  /** Hosts that ever reported on the channel and fall into the live wave. */
  hosts: number;
  /** Of those, hosts whose newest report is `running` the release rolling out. */
  running: number;
  /** Of those, hosts whose newest report is `failed` on the release rolling out. */
  failed: number;
  failedHosts: string[];
  /**
   * `failing`: failed hosts reach max-failed (roll back); `healthy`: below it and at least one host
   * of the wave runs the release (or no known host falls into the wave: nothing to wait for);
   * `waiting`: no host of the wave reports the release running yet.
   */
  verdict: 'failing' | 'healthy' | 'waiting';
  /** One line for people and for the reason of the record the captain writes. */
  summary: string;
}

/**
 * Judges a rollout's live wave from the hosts' newest instance reports (read at `commit`). The
 * rule: with `f` hosts of the wave's `n` reporting `failed` on the new release, the wave fails
 * when `max_failed > 0` and `f × 100 ≥ max_failed × n`.
 *
 * @example
 * const h = waveHealth(repo, { project: 'acme/app', channel: 'stable', rollout: state.rollout! });
 * if (h.verdict === 'failing') console.log(h.summary);
 */
export function waveHealth(repo: MetaRepo, opts: { project: string; channel: string; rollout: ChannelRollout; commit?: string }): WaveHealth {
  const r = opts.rollout;
  const fleet = listInstances(repo, { project: opts.project, at: opts.commit });
  // One vote per host: its newest report on this channel, in whichever environment.
  const newest = new Map<string, (typeof fleet.hosts)[number]>();
  for (const h of fleet.hosts) {
    if (h.channel !== opts.channel) continue;
    const seen = newest.get(h.host);
    if (!seen || seen.reportedAt < h.reportedAt) newest.set(h.host, h);
  }
  const wave = [...newest.values()].filter((h) => inWave(fleet.project, opts.channel, h.host, r.percent));
  const onTarget = wave.filter((h) => h.version === r.target.version);
  const failedHosts = onTarget.filter((h) => h.status === 'failed').map((h) => h.host).sort();
  const running = onTarget.filter((h) => h.status === 'running').length;
  const n = wave.length;
  const f = failedHosts.length;
  const verdict = r.maxFailedPercent > 0 && f > 0 && f * 100 >= r.maxFailedPercent * n ? 'failing' : running > 0 || n === 0 ? 'healthy' : 'waiting';
  const where = `wave ${r.wave + 1} (${r.percent}%)`;
  const summary = verdict === 'failing'
    ? `${f} of ${n} hosts in ${where} report failed on ${r.target.version}${failedHosts.length ? ` (${failedHosts.slice(0, 5).join(', ')}${failedHosts.length > 5 ? ', …' : ''})` : ''}, max ${r.maxFailedPercent}%`
    : n === 0
      ? `no known host falls into ${where}`
      : `${running} of ${n} hosts in ${where} run ${r.target.version}, ${f} failed`;
  return { project: fleet.project, channel: opts.channel, version: r.target.version, wave: r.wave, percent: r.percent, hosts: n, running, failed: f, failedHosts, verdict, summary };
}

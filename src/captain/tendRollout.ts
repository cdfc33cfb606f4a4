import { isMetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { advanceWave } from '../api/advanceWave.js';
import { rollback } from '../api/rollback.js';
import { waveHealth } from '../api/waveHealth.js';
import { channelState } from '../resolve/channelState.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { CaptainDecision } from './CaptainDecision.js';

/**
 * The captain's care of one channel's rollout in waves, read at the tip: roll back a wave whose
 * hosts fail (share of the wave's hosts reporting `failed` on the new release ≥ max-failed) or a
 * release that was yanked meanwhile; widen a healthy wave once its interval has passed since it
 * began, never in the pass that started it (`touched`). The last wave is still watched for one
 * interval after it began. Every write names what it expects (version, wave), so of two captains
 * one wins and the other re-plans next pass. Returns null when the channel has no rollout to tend.
 */
export async function tendRollout(repo: MetaRepo, project: string, channel: string, touched: ReadonlySet<string>, now: Date): Promise<CaptainDecision | null> {
  const snap = repo.store.snapshot();
  const state = channelState(snap, repo.reader, project, channel);
  const r = state.rollout;
  if (!r) return null;
  const began = Date.parse(r.waveEntry.record.header.createdAt);
  const due = now.getTime() - began >= r.waveIntervalSeconds * 1000;
  if (r.complete && due) return null; // settled: the last wave ran its interval
  const base = { project, channel, version: r.target.version };
  if (state.held) return { ...base, action: 'held', message: `${project} ${channel} is on hold; its rollout stays at wave ${r.wave + 1}/${r.waves.length}` };
  const yank = releaseYank(snap, repo.reader, project, r.target.version);
  const health = yank ? null : waveHealth(repo, { project, channel, rollout: r, commit: snap.commit! });
  if (yank || health?.verdict === 'failing') {
    const reason = yank ? `auto-rollback: ${r.target.version} was yanked (${yank.reason}) during wave ${r.wave + 1}/${r.waves.length}` : `auto-rollback: ${health!.summary}`;
    try {
      const res = await rollback(repo, { project, channel, expect: r.target.version, reason });
      return { ...base, action: 'rolled-back', message: `${reason}; back to ${res.release.version}`, commit: res.commit };
    } catch (e) {
      return failure(base, e, 'roll back');
    }
  }
  if (r.complete) return { ...base, action: 'waiting', message: `every host runs ${r.target.version}; watching the last wave until its interval ends (${health!.summary})` };
  if (touched.has(channel)) return { ...base, action: 'waiting', message: `wave ${r.wave + 1}/${r.waves.length} (${r.percent}%) started in this pass` };
  if (!due) {
    const left = Math.ceil((began + r.waveIntervalSeconds * 1000 - now.getTime()) / 1000);
    return { ...base, action: 'waiting', message: `wave ${r.wave + 1}/${r.waves.length} (${r.percent}%) runs ${left}s more (${health!.summary})` };
  }
  if (health!.verdict !== 'healthy') return { ...base, action: 'waiting', message: `wave ${r.wave + 1}/${r.waves.length} (${r.percent}%) ran its interval; waiting for its hosts to report (${health!.summary})` };
  try {
    const res = await advanceWave(repo, {
      project, channel, expect: r.target.version, expectWave: r.wave,
      reason: `wave ${r.wave + 2}/${r.waves.length} (${r.waves[r.wave + 1]}%): wave ${r.wave + 1} healthy after ${r.waveIntervalSeconds}s (${health!.summary})`,
    });
    return { ...base, action: 'wave-advanced', message: `wave ${r.wave + 2}/${r.waves.length} (${r.waves[r.wave + 1]}% of hosts)`, commit: res.commit };
  } catch (e) {
    return failure(base, e, 'advance the wave');
  }
}

/** A refused write: CONFLICT means another writer won (re-plan next pass); anything else is reported. */
export function failure(base: { project: string; channel: string; version?: string }, e: unknown, what: string): CaptainDecision {
  if (!isMetaError(e)) throw e;
  if (e.code === 'CONFLICT') return { ...base, action: 'lost-race', message: `another writer changed ${base.channel} first; re-planning next pass (${e.message})` };
  return { ...base, action: 'failed', message: `could not ${what}: ${e.message}` };
}

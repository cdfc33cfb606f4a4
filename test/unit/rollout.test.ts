import { describe, expect, it } from 'vitest';
import { addProject, channelHistory, promote, recordBinary, recordRelease, resolveBinary, rollback, showChannel, yankRelease } from '../../src/index.js';
import { advanceWave } from '../../src/api/advanceWave.js';
import { waveHealth } from '../../src/api/waveHealth.js';
import { reportInstance } from '../../src/api/reportInstance.js';
import { holdChannel } from '../../src/api/holdChannel.js';
import { listInstances } from '../../src/api/listInstances.js';
import { channelState } from '../../src/resolve/channelState.js';
import { inWave } from '../../src/resolve/inWave.js';
import { validateAnswer } from '../../src/follow/validateAnswer.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { asyncCodeOf as errorCode } from '../helpers/errorCode.js';
import { memRepo, sha, digest } from '../helpers/memRepo.js';

const P = 'acme/app';
const hosts = Array.from({ length: 20 }, (_, i) => `host-${String(i + 1).padStart(2, '0')}`);
const policy = { waves: [10, 50, 100], intervalSeconds: 60, maxFailedPercent: 20 };

async function setup(): Promise<MetaRepo> {
  const { repo } = await memRepo();
  await addProject(repo, { name: P, repoUrl: 'https://git.example/acme/app' });
  for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b'], ['1.2.0', 'c']] as const) {
    await recordRelease(repo, { project: P, version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
    await recordBinary(repo, { project: P, version: v, platform: 'linux/amd64', digest: digest(c), size: 1, urls: [`https://dl.example/${v}`] });
  }
  return repo;
}

const resolveFor = (repo: MetaRepo, host?: string) => resolveBinary(repo, { project: P, channel: 'stable', platform: 'linux/amd64', host });

describe('rollouts in waves', () => {
  it("goes to every host at once on a channel's first promotion (nothing to fall back on)", async () => {
    const repo = await setup();
    const r = await promote(repo, { project: P, channel: 'stable', version: '1.0.0', rollout: policy });
    expect(r.rollout).toBeNull();
    expect(resolveFor(repo, 'host-01').rollout).toBeNull();
    expect(showChannel(repo, { project: P, channel: 'stable' }).rollout).toBeNull();
  });

  it('answers each host by its wave, widens wave by wave, and reaches every host', async () => {
    const repo = await setup();
    await promote(repo, { project: P, channel: 'stable', version: '1.0.0' });
    const r = await promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: policy });
    expect(r.rollout).toEqual({ waves: [10, 50, 100], waveIntervalSeconds: 60, wave: 0, maxFailedPercent: 20 });
    for (const [wave, percent] of [[0, 10], [1, 50], [2, 100]] as const) {
      if (wave > 0) {
        const w = await advanceWave(repo, { project: P, channel: 'stable', expect: '1.1.0', expectWave: wave - 1 });
        expect([w.action, w.rollout?.wave, w.release.version, w.previous?.version]).toEqual(['wave', wave, '1.1.0', '1.0.0']);
      }
      const answers = hosts.map((h) => resolveFor(repo, h));
      for (const [i, a] of answers.entries()) {
        const member = inWave(P, 'stable', hosts[i]!, percent);
        expect(a.release.version, hosts[i]).toBe(member ? '1.1.0' : '1.0.0');
        expect(a.rollout).toMatchObject({ version: '1.1.0', fallback: '1.0.0', wave, percent, host: hosts[i], inWave: member });
        // What a follower checks: the answer passes its validation for that host.
        expect(validateAnswer(JSON.parse(JSON.stringify(a)), { project: P, channel: 'stable', platform: 'linux/amd64', host: hosts[i] }).release.version).toBe(a.release.version);
      }
      // Without a host: the release rolling out, with the rollout described.
      expect(resolveFor(repo).release.version).toBe('1.1.0');
      expect(resolveFor(repo).rollout).toMatchObject({ wave, host: null, inWave: null });
    }
    expect(hosts.every((h) => resolveFor(repo, h).release.version === '1.1.0')).toBe(true);
    expect(await errorCode(advanceWave(repo, { project: P, channel: 'stable' }))).toBe('PRECONDITION_FAILED');
    const hist = channelHistory(repo, { project: P, channel: 'stable' });
    expect(hist.map((h) => [h.action, h.release.version, h.rollout?.wave ?? null])).toEqual([['promote', '1.0.0', null], ['promote', '1.1.0', 0], ['wave', '1.1.0', 1], ['wave', '1.1.0', 2]]);
  });

  it('races through --expect: a stale wave or version is CONFLICT and writes nothing', async () => {
    const repo = await setup();
    await promote(repo, { project: P, channel: 'stable', version: '1.0.0' });
    await promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: policy });
    const results = await Promise.allSettled([0, 1, 2].map(() => advanceWave(repo, { project: P, channel: 'stable', expectWave: 0 })));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(await errorCode(advanceWave(repo, { project: P, channel: 'stable', expectWave: 0 }))).toBe('CONFLICT');
    expect(await errorCode(advanceWave(repo, { project: P, channel: 'stable', expect: '1.0.0' }))).toBe('CONFLICT');
    expect(channelState(repo.store.snapshot(), repo.reader, P, 'stable').rollout?.wave).toBe(1);
  });

  it('ends the rollout on rollback, on a later promotion and on a yank; a hold stops advancing', async () => {
    const repo = await setup();
    await promote(repo, { project: P, channel: 'stable', version: '1.0.0' });
    await promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: policy });
    await holdChannel(repo, { project: P, channel: 'stable', reason: 'freeze' });
    expect(await errorCode(advanceWave(repo, { project: P, channel: 'stable' }))).toBe('PRECONDITION_FAILED');
    expect(showChannel(repo, { project: P, channel: 'stable' }).rollout?.wave).toBe(0); // the hold keeps the wave as it is
    await advanceWave(repo, { project: P, channel: 'stable', force: true });
    await rollback(repo, { project: P, channel: 'stable', force: true, reason: 'bad' });
    expect(showChannel(repo, { project: P, channel: 'stable' }).rollout).toBeNull();
    expect(hosts.every((h) => resolveFor(repo, h).release.version === '1.0.0')).toBe(true);

    const { repo: repo2 } = { repo: await setup() };
    await promote(repo2, { project: P, channel: 'stable', version: '1.0.0' });
    await promote(repo2, { project: P, channel: 'stable', version: '1.1.0', rollout: policy });
    await promote(repo2, { project: P, channel: 'stable', version: '1.2.0' });
    expect(showChannel(repo2, { project: P, channel: 'stable' }).rollout).toBeNull();
    expect(resolveFor(repo2, 'host-01').release.version).toBe('1.2.0');
    // A new rollout falls back on the release live when it starts.
    await rollback(repo2, { project: P, channel: 'stable' });
    await promote(repo2, { project: P, channel: 'stable', version: '1.2.0', rollout: policy });
    expect(showChannel(repo2, { project: P, channel: 'stable' }).rollout).toMatchObject({ version: '1.2.0', fallback: { version: '1.1.0' } });
    await yankRelease(repo2, { project: P, version: '1.2.0', reason: 'broken' });
    expect(await errorCode(advanceWave(repo2, { project: P, channel: 'stable' }))).toBe('PRECONDITION_FAILED');
  });

  it('judges a wave from its hosts’ reports: failed share at max-failed fails it, one running host makes it healthy', async () => {
    const repo = await setup();
    await promote(repo, { project: P, channel: 'stable', version: '1.0.0' });
    await promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: { ...policy, waves: [50, 100] } });
    const rollout = () => channelState(repo.store.snapshot(), repo.reader, P, 'stable').rollout!;
    const inside = hosts.filter((h) => inWave(P, 'stable', h, 50));
    const outside = hosts.filter((h) => !inWave(P, 'stable', h, 50));
    expect(inside.length).toBeGreaterThanOrEqual(5);
    const report = (host: string, version: string, status: string) => reportInstance(repo, { project: P, host, env: 'prod', channel: 'stable', version, status, platform: 'linux/amd64' });
    for (const h of hosts) await report(h, '1.0.0', 'running');
    expect(waveHealth(repo, { project: P, channel: 'stable', rollout: rollout() })).toMatchObject({ hosts: inside.length, running: 0, failed: 0, verdict: 'waiting' });
    // Hosts outside the wave running the old release are where they should be.
    const fleet = listInstances(repo, { project: P });
    expect(fleet.hosts.filter((h) => h.current).map((h) => h.host).sort()).toEqual(outside);
    await report(inside[0]!, '1.1.0', 'running');
    expect(waveHealth(repo, { project: P, channel: 'stable', rollout: rollout() }).verdict).toBe('healthy');
    // 20 % of the wave failing rolls back; just below does not.
    const need = Math.ceil((inside.length * 20) / 100);
    for (const h of inside.slice(1, need)) await report(h, '1.1.0', 'failed');
    expect(waveHealth(repo, { project: P, channel: 'stable', rollout: rollout() }).verdict).toBe('healthy');
    await report(inside[need]!, '1.1.0', 'failed');
    const h = waveHealth(repo, { project: P, channel: 'stable', rollout: rollout() });
    expect(h.verdict).toBe('failing');
    expect(h.summary).toMatch(new RegExp(`^${need} of ${inside.length} hosts in wave 1 \\(50%\\) report failed on 1\\.1\\.0`));
    // Failures of another release, or of hosts outside the wave, do not count.
    const { repo: r2 } = { repo: await setup() };
    await promote(r2, { project: P, channel: 'stable', version: '1.0.0' });
    await promote(r2, { project: P, channel: 'stable', version: '1.1.0', rollout: { ...policy, waves: [50, 100] } });
    for (const o of outside) await reportInstance(r2, { project: P, host: o, env: 'prod', channel: 'stable', version: '1.1.0', status: 'failed' });
    for (const i of inside) await reportInstance(r2, { project: P, host: i, env: 'prod', channel: 'stable', version: '1.0.0', status: 'failed' });
    expect(waveHealth(r2, { project: P, channel: 'stable', rollout: channelState(r2.store.snapshot(), r2.reader, P, 'stable').rollout! }).failed).toBe(0);
  });

  it('refuses a bad rollout policy and a bad host', async () => {
    const repo = await setup();
    await promote(repo, { project: P, channel: 'stable', version: '1.0.0' });
    for (const waves of [[], [50, 10, 100], [10, 50], [0, 100], [10, 10, 100], [10.5, 100]]) {
      expect(await errorCode(promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: { ...policy, waves } }))).toBe('INVALID_ARGUMENT');
    }
    expect(await errorCode(promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: { ...policy, maxFailedPercent: 101 } }))).toBe('INVALID_ARGUMENT');
    expect(() => resolveFor(repo, '../etc')).toThrow(/host/);
  });
});

describe('a follower checks the rollout of an answer', () => {
  it('refuses an answer whose rollout does not fit the answer or the host', async () => {
    const repo = await setup();
    await promote(repo, { project: P, channel: 'stable', version: '1.0.0' });
    await promote(repo, { project: P, channel: 'stable', version: '1.1.0', rollout: policy });
    const outside = hosts.find((h) => !inWave(P, 'stable', h, 10))!;
    const good = JSON.parse(JSON.stringify(resolveFor(repo, outside)));
    const want = { project: P, channel: 'stable', platform: 'linux/amd64', host: outside };
    expect(validateAnswer(good, want).release.version).toBe('1.0.0');
    const bad: [string, (a: any) => void][] = [
      ['rollout', (a) => (a.rollout = 'x')],
      ['rollout.waves', (a) => (a.rollout.waves = [10, 5, 100])],
      ['rollout.waves', (a) => (a.rollout.waves = Array(1000).fill(100))],
      ['rollout.wave', (a) => (a.rollout.wave = 7)],
      ['rollout.percent', (a) => (a.rollout.percent = 99)],
      ['rollout.complete', (a) => (a.rollout.complete = true)],
      ['rollout.host', (a) => (a.rollout.host = 'someone-else')],
      ['rollout.inWave', (a) => (a.rollout.inWave = 'yes')],
      ['rollout.version', (a) => (a.rollout.version = '../x')],
      ['release.version', (a) => (a.rollout.inWave = true)],
    ];
    for (const [field, spoil] of bad) {
      const a = JSON.parse(JSON.stringify(good));
      spoil(a);
      let err: any;
      try {
        validateAnswer(a, want);
      } catch (e) {
        err = e;
      }
      expect(err?.code, field).toBe('CORRUPT_RECORD');
      expect(err?.data?.field, field).toBe(field);
    }
    // An answer for a host-less question must not claim a host.
    expect(() => validateAnswer(good, { ...want, host: undefined })).toThrow(/rollout\.host/);
  });
});

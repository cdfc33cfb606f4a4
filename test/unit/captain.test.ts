import { describe, expect, it } from 'vitest';
import { addProject, holdChannel, promote, recordBinary, recordRelease, yankRelease } from '../../src/index.js';
import { setPipeline } from '../../src/api/setPipeline.js';
import { reportInstance } from '../../src/api/reportInstance.js';
import { channelHistory } from '../../src/api/channelHistory.js';
import { captainPass } from '../../src/captain/captainPass.js';
import type { CaptainDecision } from '../../src/captain/CaptainDecision.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { inWave } from '../../src/resolve/inWave.js';
import { memRepo, sha, digest } from '../helpers/memRepo.js';

const P = 'acme/app';
const T0 = Date.parse('2026-06-01T12:00:00Z');
const min = 60_000;

/** The repository as seen at `t`: the captain's clock, and the time its records carry. */
const at = (repo: MetaRepo, t: number): MetaRepo => ({ ...repo, clock: () => new Date(t) });

async function setup(): Promise<MetaRepo> {
  const { repo } = await memRepo();
  const r0 = at(repo, T0 - 60 * min);
  await addProject(r0, { name: P, repoUrl: 'https://git.example/acme/app' });
  for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b']] as const) {
    await recordRelease(r0, { project: P, version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
    await recordBinary(r0, { project: P, version: v, platform: 'linux/amd64', digest: digest(c), size: 1, urls: ['https://dl.example/x'] });
  }
  await setPipeline(r0, { project: P, source: 'stages:\n  - channel: beta\n    auto: true\n  - channel: stable\n    auto: true\n    rollout: { waves: [50, 100], interval: 10m, max_failed: 50% }\n' });
  for (const c of ['beta', 'stable']) await promote(r0, { project: P, channel: c, version: '1.0.0' });
  return repo;
}

const hostsIn = (percent: number, inside: boolean) => Array.from({ length: 200 }, (_, i) => `h${i}`).filter((h) => inWave(P, 'stable', h, percent) === inside);
const stableOf = (ds: CaptainDecision[]) => ds.find((d) => d.channel === 'stable');
const report = (repo: MetaRepo, host: string, version: string, status: string) => reportInstance(repo, { project: P, host, env: 'prod', channel: 'stable', version, status });

describe('a captain pass', () => {
  it('starts a rollout, waits out the interval and for the wave to run the release, then widens it; watches the last wave', async () => {
    const repo = await setup();
    let d = await captainPass(at(repo, T0));
    expect(d.map((x) => [x.channel, x.action, x.version])).toEqual([['beta', 'promoted', '1.1.0'], ['stable', 'promoted', '1.1.0']]);
    expect(stableOf(d)!.message).toMatch(/rolling out in waves 50,100%/);
    expect(stableOf(await captainPass(at(repo, T0 + 1 * min)))).toMatchObject({ action: 'waiting', message: expect.stringMatching(/wave 1\/2 \(50%\) runs 540s more/) });
    // A known host of the wave still on the old release: the wave has not proven itself yet.
    const [inside, inside2] = hostsIn(50, true);
    await report(at(repo, T0 + 2 * min), inside!, '1.0.0', 'running');
    expect(stableOf(await captainPass(at(repo, T0 + 11 * min)))).toMatchObject({ action: 'waiting', message: expect.stringMatching(/waiting for its hosts to report \(0 of 1 hosts in wave 1 \(50%\) run 1\.1\.0/) });
    await report(at(repo, T0 + 12 * min), inside!, '1.1.0', 'running');
    d = await captainPass(at(repo, T0 + 13 * min));
    expect(stableOf(d)).toMatchObject({ action: 'wave-advanced', version: '1.1.0', message: 'wave 2/2 (100% of hosts)' });
    // The last wave is watched for one interval: failures there still roll back.
    await report(at(repo, T0 + 14 * min), inside2!, '1.1.0', 'failed');
    await report(at(repo, T0 + 14 * min), hostsIn(50, false)[0]!, '1.1.0', 'failed');
    d = await captainPass(at(repo, T0 + 15 * min));
    expect(stableOf(d)).toMatchObject({ action: 'rolled-back', version: '1.1.0' });
    const last = channelHistory(repo, { project: P, channel: 'stable' }).at(-1)!;
    expect(last).toMatchObject({ action: 'rollback', release: { version: '1.0.0' } });
    expect(last.reason).toMatch(/^auto-rollback: 2 of 3 hosts in wave 2 \(100%\) report failed on 1\.1\.0/);
    // Rolled back from stable: never its candidate again.
    expect(stableOf(await captainPass(at(repo, T0 + 30 * min)))).toBeUndefined();
  });

  it('settles once the last wave ran its interval: later failures are for people, not for auto-rollback', async () => {
    const repo = await setup();
    await captainPass(at(repo, T0));
    await captainPass(at(repo, T0 + 11 * min)); // no known host: nothing to wait for
    expect(channelHistory(repo, { project: P, channel: 'stable' }).at(-1)).toMatchObject({ action: 'wave', rollout: { wave: 1 } });
    await report(at(repo, T0 + 30 * min), hostsIn(100, true)[0]!, '1.1.0', 'failed');
    expect(stableOf(await captainPass(at(repo, T0 + 31 * min)))).toBeUndefined();
  });

  it('rolls back a rollout whose release was yanked, and does nothing on a channel on hold', async () => {
    const repo = await setup();
    await captainPass(at(repo, T0));
    await holdChannel(at(repo, T0 + min), { project: P, channel: 'stable', reason: 'freeze' });
    const held = await captainPass(at(repo, T0 + 20 * min));
    expect(stableOf(held)).toMatchObject({ action: 'held' });
    expect(channelHistory(repo, { project: P, channel: 'stable' }).at(-1)!.action).toBe('hold');
    const { repo: r2 } = { repo: await setup() };
    await captainPass(at(r2, T0));
    await yankRelease(at(r2, T0 + min), { project: P, version: '1.1.0', reason: 'corrupt build' });
    const d = await captainPass(at(r2, T0 + 2 * min));
    expect(stableOf(d)).toMatchObject({ action: 'rolled-back', message: expect.stringMatching(/^auto-rollback: 1\.1\.0 was yanked \(corrupt build\) during wave 1\/2; back to 1\.0\.0/) });
  });

  it('runs each gate once in the pass that promotes, and records that round beside the promotion', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const { repo } = await memRepo();
      const r0 = at(repo, T0);
      await addProject(r0, { name: P, repoUrl: 'https://git.example/acme/app' });
      await recordRelease(r0, { project: P, version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
      await recordBinary(r0, { project: P, version: '1.0.0', platform: 'linux/amd64', digest: digest('a'), size: 1, urls: ['https://dl.example/x'] });
      await setPipeline(r0, { project: P, source: `stages:\n  - channel: beta\n    auto: true\n    gates:\n      - http: { url: "http://127.0.0.1:${port}/healthz", expect: 200, timeout: 5s }\n` });
      const d = await captainPass(r0);
      expect(d.map((x) => [x.channel, x.action, x.version])).toEqual([['beta', 'promoted', '1.0.0']]);
      expect(hits).toBe(1);
      const { latestGateResults } = await import('../../src/api/gateResults.js');
      const last = latestGateResults(repo, repo.store.snapshot(), P, { githash: channelHistory(repo, { project: P, channel: 'beta' })[0]!.release.githash, version: '1.0.0' }, 'beta', 1, ['http:0']);
      expect(last.get('http:0')?.state).toBe('passed');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe, type ServeProcess } from '../helpers/metaProcess.js';
import { openMeta } from '../../src/api/openMeta.js';
import { reportInstance } from '../../src/api/reportInstance.js';
import { channelHistory } from '../../src/api/channelHistory.js';
import { recordBinary, recordRelease } from '../../src/index.js';
import { createHash } from 'node:crypto';
import { hostBucket } from '../../src/resolve/inWave.js';

const SHA = (c: string) => c.repeat(40);
const P = 'acme/app';

/**
 * Twenty simulated hosts of stable, picked by their bucket so the waves 10 %, 50 %, 100 % hold
 * 2, 10 and 20 of them whatever the hash does (it is pinned by the unit tests).
 */
function pickHosts(): string[] {
  const by = (lo: number, hi: number, n: number) => Array.from({ length: 2000 }, (_, i) => `host-${i}`).filter((h) => {
    const b = hostBucket(P, 'stable', h);
    return b >= lo && b < hi;
  }).slice(0, n);
  return [...by(0, 10, 2), ...by(10, 50, 8), ...by(50, 100, 10)];
}

/**
 * The pipeline end to end with the real `meta` processes: captains (`--once` passes, so every step
 * is one deterministic pass), the CLI that people and CI use, `meta serve` answering the hosts,
 * and `meta follow` installing on two of them.
 */
describe('pipelines and the captain, end to end', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let health: Server;
  let healthStatus = 503;
  let healthUrl = '';
  let serve: ServeProcess;
  let firstCommit = '';
  const hosts = pickHosts();

  const meta = async (...args: string[]) => {
    const r = await runMeta(args, env);
    return { ...r, json: () => JSON.parse(r.stdout) };
  };
  const ok = async (...args: string[]) => {
    const r = await meta(...args);
    expect(r.code, `meta ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  /** One captain pass; its decisions, one per line. */
  const captain = async () => (await ok('captain', '--once', '--json')).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { channel: string; action: string; version?: string; message: string });
  /** CI's part, through the library (the flow under test is the captain's and people's). */
  const release = async (v: string, c: string) => {
    const bytes = `#!/bin/sh\necho ${v}\n`;
    writeFileSync(`${tmp.dir}/app-${v}`, bytes);
    const repo = openMeta({ dir: env.META_REPO!, actor: 'ci <ci@example.com>', env: {} });
    await recordRelease(repo, { project: P, version: v, sources: [{ url: 'https://git.example/acme/app', commit: SHA(c) }] });
    await recordBinary(repo, { project: P, version: v, platform: 'linux/amd64', digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: Buffer.byteLength(bytes), urls: [`file://${tmp.dir}/app-${v}`] });
  };
  /** What each host is told to run, asked of `meta serve` as a follower asks it. */
  const resolveAll = async () => Object.fromEntries(await Promise.all(hosts.map(async (h) => {
    const res = await fetch(`${serve.url}/v1/projects/${P}/channels/stable/resolve?platform=linux/amd64&host=${h}`);
    const body = (await res.json()) as { release: { version: string } };
    return [h, body.release.version] as const;
  })));
  const report = async (host: string, version: string, status: 'running' | 'failed') => {
    const repo = openMeta({ dir: env.META_REPO!, actor: `agent@${host}`, env: {} });
    await reportInstance(repo, { project: P, host, env: 'prod', channel: 'stable', version, status, platform: 'linux/amd64', message: status === 'failed' ? 'hook exit 1' : '' });
  };
  const history = (channel: string) => channelHistory(openMeta({ dir: env.META_REPO!, env: {} }), { project: P, channel });

  beforeAll(async () => {
    tmp = tempDir('meta-captain-e2e-');
    env = { META_REPO: `${tmp.dir}/meta`, META_ACTOR: 'Ada <ada@example.com>' };
    health = createServer((_req, res) => {
      res.writeHead(healthStatus, { 'content-type': 'text/plain' });
      res.end(healthStatus === 200 ? 'ok' : 'unavailable');
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`;
    await ok('init', '--channel', 'dev', '--channel', 'beta', '--channel', 'stable');
    await ok('project', 'add', P, '--repo-url', 'https://git.example/acme/app');
    firstCommit = (await ok('log', '--json')).json()[0].commit;
    writeFileSync(`${tmp.dir}/pipeline.yaml`, [
      'stages:',
      '  - channel: dev',
      '    auto: true',
      '  - channel: beta',
      '    after: dev',
      '    auto: true',
      '    gates:',
      `      - http: { url: "${healthUrl}", expect: 200, timeout: 2s, retries: 1 }`,
      '  - channel: stable',
      '    after: beta',
      '    auto: true',
      '    gates:',
      '      - approvals: { count: 2 }',
      '    rollout: { waves: [10, 50, 100], interval: 0s, max_failed: 20% }',
      '',
    ].join('\n'));
    await ok('pipeline', 'set', P, '--file', `${tmp.dir}/pipeline.yaml`);
    // 1.0.0 is live everywhere already: stable's first promotion went to every host at once.
    await release('1.0.0', 'a');
    for (const c of ['dev', 'beta', 'stable']) await ok('channel', 'promote', P, c, '1.0.0');
    serve = await startServe(env.META_REPO!, [], env);
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    await new Promise((r) => health.close(r));
    tmp.cleanup();
  });

  it('flows a release through dev, beta (http gate) and stable (two approvals, waves), rolls back a failing wave, obeys holds and yanks', async () => {
    expect(hosts).toHaveLength(20);

    // A release enters dev by itself; the http gate (503) blocks beta.
    await release('1.1.0', 'b');
    let d = await captain();
    expect(d.find((x) => x.channel === 'dev')).toMatchObject({ action: 'promoted', version: '1.1.0' });
    expect(d.find((x) => x.channel === 'beta')).toMatchObject({ action: 'blocked', version: '1.1.0' });
    expect(d.find((x) => x.channel === 'beta')!.message).toMatch(/http #1 failed.*503/);
    const status = (await ok('pipeline', 'status', P, '--json')).json() as { stages: { channel: string; candidate: { version: string } | null; gates: { type: string; state: string; detail: string }[] }[] };
    const beta = status.stages.find((s) => s.channel === 'beta')!;
    expect(beta.candidate?.version).toBe('1.1.0');
    expect(beta.gates).toMatchObject([{ type: 'http', state: 'failed' }]);
    expect(beta.gates[0]!.detail).toMatch(/503/);
    // A second blocked pass with the same verdict writes nothing new.
    const tip = (await ok('log', '--json')).json()[0].commit;
    expect((await captain()).find((x) => x.channel === 'beta')?.action).toBe('blocked');
    expect((await ok('log', '--json')).json()[0].commit).toBe(tip);

    // The server answers 200: beta follows; stable waits for two distinct approvals.
    healthStatus = 200;
    d = await captain();
    expect(d.find((x) => x.channel === 'beta')).toMatchObject({ action: 'promoted', version: '1.1.0' });
    expect(d.find((x) => x.channel === 'stable')).toMatchObject({ action: 'blocked', version: '1.1.0' });
    await ok('approve', P, '1.1.0', '--channel', 'stable');
    await ok('approve', P, '1.1.0', '--channel', 'stable', '--comment', 'again');
    d = await captain();
    expect(d.find((x) => x.channel === 'stable')).toMatchObject({ action: 'blocked' });
    expect(d.find((x) => x.channel === 'stable')!.message).toMatch(/approvals #1 (failed|pending)/);
    await ok('approve', P, '1.1.0', '--channel', 'stable', '--actor', 'Bob <bob@example.com>');
    d = await captain();
    expect(d.find((x) => x.channel === 'stable')).toMatchObject({ action: 'promoted', version: '1.1.0' });

    // Stable rolls out in waves: 2 hosts, then 10, then all 20.
    let answers = await resolveAll();
    expect(hosts.filter((h) => answers[h] === '1.1.0')).toEqual(hosts.slice(0, 2));
    expect(hosts.slice(2).every((h) => answers[h] === '1.0.0')).toBe(true);
    // Two real followers: one in the first wave installs 1.1.0, one outside keeps 1.0.0.
    for (const h of [hosts[0]!, hosts[19]!]) {
      const f = await meta('follow', P, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', `${tmp.dir}/inst-${h}`, '--host', h, '--once', '--report', '--json');
      expect(f.code, f.stderr).toBe(0);
      expect(f.json().state.version).toBe(h === hosts[0] ? '1.1.0' : '1.0.0');
    }
    await report(hosts[1]!, '1.1.0', 'running');
    expect((await ok('channel', 'show', P, 'stable')).stdout).toMatch(/rolling out: wave 1\/3 \(10% of hosts\)/);
    expect(((await ok('pipeline', 'status', P, '--json')).json() as { stages: { channel: string; rollout: unknown }[] }).stages.find((s) => s.channel === 'stable')!.rollout).toEqual({ wave: 0, percent: 10 });
    d = await captain();
    expect(d.find((x) => x.channel === 'stable')).toMatchObject({ action: 'wave-advanced', message: expect.stringMatching(/wave 2\/3 \(50% of hosts\)/) });
    answers = await resolveAll();
    expect(hosts.filter((h) => answers[h] === '1.1.0')).toEqual(hosts.slice(0, 10));
    for (const h of hosts.slice(2, 10)) await report(h, '1.1.0', 'running');
    d = await captain();
    expect(d.find((x) => x.channel === 'stable')?.action).toBe('wave-advanced');
    answers = await resolveAll();
    expect(Object.values(answers).every((v) => v === '1.1.0')).toBe(true);
    const waves = (await ok('channel', 'history', P, 'stable')).stdout;
    expect(waves).toMatch(/promote wave 1\/3 \(10%\)\t1\.1\.0/);
    expect(waves).toMatch(/wave wave 2\/3 \(50%\)\t1\.1\.0/);
    expect(waves).toMatch(/wave wave 3\/3 \(100%\)\t1\.1\.0/);
    for (const h of hosts.slice(10)) await report(h, '1.1.0', 'running');

    // A later release whose first wave reports failed is rolled back by itself.
    await release('1.2.0', 'c');
    d = await captain();
    expect(d.filter((x) => x.action === 'promoted').map((x) => x.channel)).toEqual(['dev', 'beta']);
    await ok('approve', P, '1.2.0', '--channel', 'stable');
    await ok('approve', P, '1.2.0', '--channel', 'stable', '--actor', 'Bob <bob@example.com>');
    d = await captain();
    expect(d.find((x) => x.channel === 'stable')).toMatchObject({ action: 'promoted', version: '1.2.0' });
    answers = await resolveAll();
    expect(hosts.filter((h) => answers[h] === '1.2.0')).toEqual(hosts.slice(0, 2));
    await report(hosts[0]!, '1.2.0', 'failed');
    d = await captain();
    expect(d.find((x) => x.channel === 'stable')).toMatchObject({ action: 'rolled-back', version: '1.2.0' });
    const stable = await history('stable');
    const last = stable[stable.length - 1]!;
    expect(last).toMatchObject({ action: 'rollback', release: { version: '1.1.0' } });
    expect(last.reason).toBe('auto-rollback: 1 of 2 hosts in wave 1 (10%) report failed on 1.2.0 (' + hosts[0] + '), max 20%');
    answers = await resolveAll();
    expect(Object.values(answers).every((v) => v === '1.1.0')).toBe(true);
    // The decision is in the log and in the event stream, and the captain never tries 1.2.0 on stable again.
    expect((await ok('log', '--json')).json()[0].subject).toMatch(/^rollback acme\/app stable to 1\.1\.0/);
    const watched = await ok('watch', P, '--channel', 'stable', '--since', firstCommit, '--types', 'channel.wave_advanced,channel.rolled_back', '--max-events', '3', '--timeout', '20', '--json');
    const events = watched.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; record: { reason: string } });
    expect(events.map((e) => e.type)).toEqual(['channel.wave_advanced', 'channel.wave_advanced', 'channel.rolled_back']);
    expect(events[2]!.record.reason).toMatch(/^auto-rollback: 1 of 2 hosts/);
    expect((await captain()).find((x) => x.channel === 'stable')).toBeUndefined();

    // A hold stops the captain at that stage; the stages before it carry on.
    await ok('channel', 'hold', P, 'beta', '--reason', 'release freeze');
    await release('1.3.0', 'd');
    d = await captain();
    expect(d.find((x) => x.channel === 'dev')).toMatchObject({ action: 'promoted', version: '1.3.0' });
    expect(d.find((x) => x.channel === 'beta')).toMatchObject({ action: 'held' });
    expect((await history('beta')).map((h) => h.release.version)).not.toContain('1.3.0');

    // A yanked release is never promoted.
    await release('1.4.0', 'e');
    await ok('release', 'yank', P, '1.4.0', '--reason', 'broken build');
    d = await captain();
    expect(d.find((x) => x.channel === 'dev')).toBeUndefined();
    expect((await history('dev')).map((h) => h.release.version)).not.toContain('1.4.0');
    expect((await ok('verify')).code).toBe(0);
  }, 120_000);
});

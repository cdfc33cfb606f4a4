import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe } from '../helpers/metaProcess.js';
import { inWave } from '../../src/resolve/inWave.js';

const SHA = (c: string) => c.repeat(40);
const P = 'acme/app';

/** Waves without a pipeline: what a person types, and what hosts are answered. */
describe('rollouts in waves from the CLI', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  const meta = async (...args: string[]) => {
    const r = await runMeta(args, env);
    return { ...r, json: () => JSON.parse(r.stdout) };
  };

  beforeAll(async () => {
    tmp = tempDir('meta-rollout-cli-');
    env = { META_REPO: `${tmp.dir}/meta`, META_ACTOR: 'Ada <ada@example.com>' };
    expect((await meta('init')).code).toBe(0);
    expect((await meta('project', 'add', P, '--repo-url', 'https://git.example/acme/app')).code).toBe(0);
    for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b']] as const) {
      writeFileSync(`${tmp.dir}/app-${v}`, `app ${v}`);
      expect((await meta('release', 'record', P, '--version', v, '--source', `https://git.example/acme/app@${SHA(c)}`)).code).toBe(0);
      expect((await meta('binary', 'record', P, v, '--platform', 'linux/amd64', '--file', `${tmp.dir}/app-${v}`, '--url', `file://${tmp.dir}/app-${v}`)).code).toBe(0);
    }
  });
  afterAll(() => tmp.cleanup());

  it('promotes with --waves, resolves per --host, advances with --expect-wave, and shows the waves in history', async () => {
    for (const bad of [['--waves', '50,10,100'], ['--waves', '10,50'], ['--waves', '10,x,100'], ['--waves', '10,100', '--wave-interval', '15 minutes'], ['--waves', '10,100', '--max-failed', '120%'], ['--max-failed', '20%']]) {
      const r = await meta('channel', 'promote', P, 'stable', '1.0.0', ...bad);
      expect(r.code, `${bad.join(' ')}: ${r.stderr}`).toBe(2);
    }
    // The first promotion has nothing to fall back on: every host at once.
    const first = await meta('channel', 'promote', P, 'stable', '1.0.0', '--waves', '50,100', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().rollout).toBeNull();
    const r = await meta('channel', 'promote', P, 'stable', '1.1.0', '--waves', '50,100', '--wave-interval', '15m', '--max-failed', '20%');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rolling out in waves 50,100%: wave 1 (50%) now, the others keep 1.0.0');
    expect((await meta('channel', 'show', P, 'stable', '--json')).json().rollout).toMatchObject({ version: '1.1.0', fallback: { version: '1.0.0' }, waves: [50, 100], wave: 0, percent: 50, waveIntervalSeconds: 900, maxFailedPercent: 20, complete: false });

    const hosts = Array.from({ length: 40 }, (_, i) => `web-${i}`);
    const inside = hosts.find((h) => inWave(P, 'stable', h, 50))!;
    const outside = hosts.find((h) => !inWave(P, 'stable', h, 50))!;
    const at = async (host?: string) => (await meta('resolve', 'binary', P, '--channel', 'stable', '--platform', 'linux/amd64', ...(host ? ['--host', host] : []), '--json')).json();
    expect(await at(inside)).toMatchObject({ release: { version: '1.1.0' }, rollout: { host: inside, inWave: true, wave: 0 } });
    expect(await at(outside)).toMatchObject({ release: { version: '1.0.0' }, rollout: { host: outside, inWave: false, fallback: '1.0.0' } });
    expect(await at()).toMatchObject({ release: { version: '1.1.0' }, rollout: { host: null, inWave: null } });
    const text = await meta('resolve', 'binary', P, '--channel', 'stable', '--platform', 'linux/amd64', '--host', outside);
    expect(text.stdout).toContain(`rolling out 1.1.0: wave 1/2 (50% of hosts; the others run 1.0.0); ${outside} is not in it`);
    expect((await meta('resolve', 'binary', P, '--channel', 'stable', '--platform', 'linux/amd64', '--host', '../x')).code).not.toBe(0);

    // The same answers over HTTP, and a hostile host is refused.
    const srv = await startServe(env.META_REPO!, [], env);
    try {
      const get = (q: string) => fetch(`${srv.url}/v1/projects/${P}/channels/stable/resolve?platform=linux/amd64${q}`);
      expect(((await (await get(`&host=${outside}`)).json()) as { release: { version: string } }).release.version).toBe('1.0.0');
      expect(((await (await get(`&host=${inside}`)).json()) as { release: { version: string } }).release.version).toBe('1.1.0');
      expect((await get('&host=%2E%2E%2Fx')).status).toBe(400);
    } finally {
      await srv.stop();
    }

    expect((await meta('channel', 'advance', P, 'stable', '--expect-wave', '2')).code).toBe(4);
    expect((await meta('channel', 'advance', P, 'stable', '--expect', '1.0.0')).code).toBe(4);
    const adv = await meta('channel', 'advance', P, 'stable', '--expect', '1.1.0', '--expect-wave', '1');
    expect(adv.code, adv.stderr).toBe(0);
    expect(adv.stdout).toContain('1.1.0: wave 2/2 (100% of hosts');
    expect((await at(outside)).release.version).toBe('1.1.0');
    expect((await meta('channel', 'advance', P, 'stable')).code).toBe(5);
    const hist = await meta('channel', 'history', P, 'stable');
    expect(hist.stdout).toMatch(/\n2\tpromote wave 1\/2 \(50%\)\t1\.1\.0\t/);
    expect(hist.stdout).toMatch(/\n3\twave wave 2\/2 \(100%\)\t1\.1\.0\t/);
    expect((await meta('verify')).code).toBe(0);
  }, 90_000);
});

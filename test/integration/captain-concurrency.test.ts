import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { fsck, tempDir } from '../helpers/diskRepo.js';
import { runMeta, spawnMeta, until } from '../helpers/metaProcess.js';

const SHA = (c: string) => c.repeat(40);
const P = 'acme/app';

type Hist = { action: string; release: { version: string }; reason: string; rollout: { wave: number } | null }[];

describe('meta captain: concurrent captains and killed captains', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  const ok = async (...args: string[]) => {
    const r = await runMeta(args, env);
    expect(r.code, `meta ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return { ...r, json: () => JSON.parse(r.stdout) };
  };
  const release = async (v: string, c: string) => {
    writeFileSync(`${tmp.dir}/app-${v}`, `app ${v}\n`);
    await ok('release', 'record', P, '--version', v, '--source', `https://git.example/acme/app@${SHA(c)}`);
    await ok('binary', 'record', P, v, '--platform', 'linux/amd64', '--file', `${tmp.dir}/app-${v}`, '--url', `file://${tmp.dir}/app-${v}`);
  };
  /** A channel's records ([] while nothing was ever promoted there). */
  const history = async (channel: string): Promise<Hist> => {
    const r = await runMeta(['channel', 'history', P, channel, '--json'], env);
    if (r.code !== 0 && /"code":"NOT_FOUND"/.test(r.stderr)) return [];
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Hist;
  };
  const setPipeline = async (yaml: string[]) => {
    writeFileSync(`${tmp.dir}/pipeline.yaml`, `${yaml.join('\n')}\n`);
    await ok('pipeline', 'set', P, '--file', `${tmp.dir}/pipeline.yaml`);
  };

  beforeEach(async () => {
    tmp = tempDir('meta-captain-race-');
    env = { META_REPO: `${tmp.dir}/meta`, META_ACTOR: 'test <test@example.com>' };
    await ok('init', '--channel', 'dev', '--channel', 'beta', '--channel', 'stable');
    await ok('project', 'add', P, '--repo-url', 'https://git.example/acme/app');
  });
  afterEach(() => tmp.cleanup());

  it('two captains running at once never promote a release twice nor widen a wave twice', async () => {
    await setPipeline([
      'stages:',
      '  - channel: dev',
      '    auto: true',
      '  - channel: beta',
      '    auto: true',
      '  - channel: stable',
      '    auto: true',
      '    rollout: { waves: [20, 60, 100], interval: 0s }',
    ]);
    const outcomes: string[] = [];
    for (const [i, v] of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'].entries()) {
      await release(v, 'abcd'[i]!);
      // Several rounds of two simultaneous passes: each release walks every stage and its waves.
      for (let round = 0; round < 4; round++) {
        const [a, b] = await Promise.all([runMeta(['captain', '--once', '--json'], env), runMeta(['captain', '--once', '--json'], env)]);
        for (const r of [a, b]) {
          expect(r.code, r.stderr).toBe(0);
          outcomes.push(...r.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { action: string }).action));
        }
      }
    }
    for (const channel of ['dev', 'beta', 'stable']) {
      const h = await history(channel);
      const promoted = h.filter((e) => e.action === 'promote').map((e) => e.release.version);
      expect(promoted, channel).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
      // Each wave of each rollout was written once, in order.
      for (const v of promoted.slice(1)) {
        if (channel !== 'stable') continue;
        const waves = h.filter((e) => e.release.version === v && e.rollout).map((e) => e.rollout!.wave);
        expect(waves, `${channel} ${v}`).toEqual([0, 1, 2]);
        // Each widening was decided on the wave it widened: a captain that lost the race never
        // writes the wave after the one it judged.
        for (const e of h.filter((x) => x.action === 'wave' && x.release.version === v)) {
          expect(e.reason, `${v} wave ${e.rollout!.wave}`).toMatch(new RegExp(`^wave ${e.rollout!.wave + 1}/3 \\(\\d+%\\): wave ${e.rollout!.wave} healthy`));
        }
      }
    }
    // The captains did race (someone lost at least once), and the losers said so instead of failing.
    expect(outcomes).toContain('lost-race');
    expect(outcomes).not.toContain('failed');
    expect((await runMeta(['verify'], env)).code).toBe(0);
  }, 120_000);

  it('a captain killed during a slow command gate or a hanging http gate is restarted and carries on', async () => {
    const mark = `${tmp.dir}/gate-started`;
    const go = `${tmp.dir}/gate-go`;
    let hang = true;
    let asked = 0;
    const waiting: ServerResponse[] = [];
    const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      asked++;
      if (hang) waiting.push(res);
      else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    try {
      await setPipeline([
        'stages:',
        '  - channel: dev',
        '    auto: true',
        '    gates:',
        // Bounded: the orphaned script gives up after 30 s if the test never lets it go.
        `      - command: { run: "touch ${mark}; for i in $(seq 1 600); do [ -f ${go} ] && exit 0; sleep 0.05; done; exit 1", timeout: 60s }`,
        '  - channel: beta',
        '    auto: true',
        '    gates:',
        `      - http: { url: "${url}", expect: 200, timeout: 30s, retries: 1 }`,
      ]);
      await release('1.0.0', 'a');

      // Killed while the command gate runs: nothing half-written, nothing promoted.
      let c = spawnMeta(['captain', '--once', '--allow-commands'], env);
      await until(() => existsSync(mark), 'the command gate to start');
      c.child.kill('SIGKILL');
      await c.exit;
      expect(await history('dev')).toEqual([]);
      expect(fsck(env.META_REPO!).status).toBe(0);

      // Restarted (the gate now passes): dev gets 1.0.0; killed again while beta's http gate hangs.
      writeFileSync(go, '');
      c = spawnMeta(['captain', '--once', '--allow-commands'], env);
      await until(() => asked > 0, 'the http gate to call the server');
      c.child.kill('SIGKILL');
      await c.exit;
      expect((await history('dev')).map((e) => [e.action, e.release.version])).toEqual([['promote', '1.0.0']]);
      expect(await history('beta')).toEqual([]);
      expect(fsck(env.META_REPO!).status).toBe(0);

      // Restarted with the server healthy: beta follows, dev is not promoted again.
      hang = false;
      for (const res of waiting) res.destroy();
      const again = await runMeta(['captain', '--once', '--allow-commands', '--json'], env);
      expect(again.code, again.stderr).toBe(0);
      expect((await history('dev')).map((e) => e.release.version)).toEqual(['1.0.0']);
      expect((await history('beta')).map((e) => [e.action, e.release.version])).toEqual([['promote', '1.0.0']]);
      expect((await runMeta(['verify'], env)).code).toBe(0);
    } finally {
      writeFileSync(go, '');
      for (const res of waiting) res.destroy();
      await new Promise((r) => server.close(r));
    }
  }, 120_000);

  it('a captain in its loop stops cleanly on SIGTERM and on SIGINT', async () => {
    await setPipeline(['stages:', '  - channel: dev', '    auto: true']);
    for (const [sig, v, c0] of [['SIGTERM', '1.0.0', 'a'], ['SIGINT', '1.1.0', 'b']] as const) {
      await release(v, c0);
      const c = spawnMeta(['captain', '--interval', '1h'], env);
      // The first pass has run once it has said what it did; then it pauses for an hour.
      await until(() => c.out().includes('promoted') || c.exited(), 'the first pass');
      expect(c.exited(), c.err()).toBe(false);
      c.child.kill(sig);
      expect(await c.exit).toBe(0);
    }
  }, 60_000);
});

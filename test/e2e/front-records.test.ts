import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/diskRepo.js';
import { git, gitBlob, plumbingCommit } from '../helpers/remoteFixtures.js';
import { setSettings } from '../helpers/serveFixtures.js';
import { openMeta } from '../../src/api/openMeta.js';
import { runMeta, startServe } from '../helpers/metaProcess.js';
import { encodeRecord } from '../../src/records/codec.js';
import { yankPath } from '../../src/records/layout.js';
import { hashToken } from '../../src/serve/serveTokens.js';

const SHA = (c: string) => c.repeat(40);
const TOKEN = 'front-records-token';

/** The records the schema advertises, written and read the way users meet them: the real CLI, server and follower. */
describe('every record the schema advertises can be written', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  /** The repository of the running test: a copy of the one beforeAll fills, so no test sees another's writes. */
  let dir: string;
  let copies = 0;
  const meta = async (...args: string[]) => {
    const r = await runMeta(args, env);
    return { ...r, json: () => JSON.parse(r.stdout) };
  };

  beforeAll(async () => {
    tmp = tempDir('meta-front-records-');
    env = { META_REPO: `${tmp.dir}/template`, META_ACTOR: 'Ada <ada@example.com>' };
    expect((await meta('init')).code).toBe(0);
    expect((await meta('project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app')).code).toBe(0);
    for (const [v, c, lib] of [['1.0.0', 'a', '2.0.0'], ['1.1.0', 'b', '2.1.0'], ['1.2.0', 'c', '2.1.0']] as const) {
      writeFileSync(`${tmp.dir}/app-${v}`, `binary ${v}`);
      expect((await meta('release', 'record', 'acme/app', '--version', v, '--source', `https://git.example/acme/app@${SHA(c)}`, '--import', `acme/lib@${lib}`)).code).toBe(0);
      expect((await meta('binary', 'record', 'acme/app', v, '--platform', 'linux/amd64', '--file', `${tmp.dir}/app-${v}`, '--url', `file://${tmp.dir}/app-${v}`)).code).toBe(0);
    }
  });
  afterAll(() => tmp.cleanup());
  beforeEach(() => {
    dir = `${tmp.dir}/meta-${++copies}`;
    cpSync(`${tmp.dir}/template`, dir, { recursive: true });
    env = { ...env, META_REPO: dir };
  });

  it('channel hold refuses promotions and rollbacks (exit 5) unless --force; channel show says who held it and why; unhold lets them through', async () => {
    expect((await meta('channel', 'promote', 'acme/app', 'stable', '1.0.0')).code).toBe(0);
    expect((await meta('channel', 'promote', 'acme/app', 'stable', '1.1.0')).code).toBe(0);
    const held = await meta('channel', 'hold', 'acme/app', 'stable', '--reason', 'audit freeze', '--json');
    expect(held.code, held.stderr).toBe(0);
    expect(held.json()).toMatchObject({ action: 'hold', sequence: 3, changed: true });
    expect((await meta('channel', 'hold', 'acme/app', 'stable', '--reason', 'again', '--json')).json()).toMatchObject({ changed: false, sequence: 3 });

    const show = await meta('channel', 'show', 'acme/app', 'stable');
    expect(show.stdout).toContain('[on hold]');
    expect(show.stdout).toMatch(/on hold since \S+ by Ada <ada@example.com>: audit freeze/);
    expect((await meta('channel', 'show', 'acme/app', 'stable', '--json')).json()).toMatchObject({ held: true, hold: { by: 'Ada <ada@example.com>', reason: 'audit freeze', sequence: 3 } });

    const promote = await meta('channel', 'promote', 'acme/app', 'stable', '1.2.0');
    expect(promote.code).toBe(5);
    expect(promote.stderr).toMatch(/on hold \(by Ada <ada@example.com>, since .*: audit freeze\)/);
    const rollback = await meta('channel', 'rollback', 'acme/app', 'stable');
    expect(rollback.code).toBe(5);
    expect((await meta('channel', 'show', 'acme/app', 'stable', '--json')).json().current.version).toBe('1.1.0');

    const forced = await meta('channel', 'rollback', 'acme/app', 'stable', '--force', '--json');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json().release.version).toBe('1.0.0');
    expect((await meta('channel', 'unhold', 'acme/app', 'stable', '--reason', 'audit done', '--json')).json()).toMatchObject({ action: 'release-hold', changed: true });
    expect((await meta('channel', 'promote', 'acme/app', 'stable', '1.1.0')).code).toBe(0);
    const hist = (await meta('channel', 'history', 'acme/app', 'stable', '--json')).json() as { action: string; reason: string }[];
    expect(hist.map((h) => h.action)).toEqual(['promote', 'promote', 'hold', 'rollback', 'release-hold', 'promote']);
    expect(hist[2]!.reason).toBe('audit freeze');
    expect((await meta('verify')).code).toBe(0);
  });

  it('release yank: no promotion (exit 5); the channel running it still resolves, flagged with the reason; a follower does not install it anew', async () => {
    // beta runs 1.1.0 with a follower on it; stable too.
    expect((await meta('channel', 'promote', 'acme/app', 'stable', '1.1.0')).code).toBe(0);
    expect((await meta('channel', 'promote', 'acme/app', 'beta', '1.1.0')).code).toBe(0);
    const inst = `${tmp.dir}/inst-running`;
    const first = await meta('follow', 'acme/app', '--channel', 'beta', '--platform', 'linux/amd64', '--install-dir', inst, '--once');
    expect(first.code, first.stderr).toBe(0);

    const y = await meta('release', 'yank', 'acme/app', '1.1.0', '--reason', 'corrupts the cache', '--json');
    expect(y.code, y.stderr).toBe(0);
    expect(y.json()).toMatchObject({ version: '1.1.0', changed: true, path: yankPath('acme/app', '1.1.0') });
    expect((await meta('release', 'yank', 'acme/app', '1.1.0', '--reason', 'twice', '--json')).json()).toMatchObject({ changed: false, reason: 'corrupts the cache' });

    expect((await meta('channel', 'add', 'canary')).code).toBe(0);
    const refused = await meta('channel', 'promote', 'acme/app', 'canary', '1.1.0');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('was yanked (corrupts the cache)');
    const r = await meta('resolve', 'binary', 'acme/app', '--channel', 'beta', '--platform', 'linux/amd64', '--json');
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ release: { version: '1.1.0' }, yanked: true, yank: { reason: 'corrupts the cache', by: 'Ada <ada@example.com>' } });
    expect((await meta('resolve', 'binary', 'acme/app', '--channel', 'beta', '--platform', 'linux/amd64')).stdout).toContain('YANKED  corrupts the cache');
    expect((await meta('channel', 'show', 'acme/app', 'beta', '--json')).json().yank).toMatchObject({ reason: 'corrupts the cache' });
    expect((await meta('release', 'show', 'acme/app', '1.1.0', '--json')).json().yank).toMatchObject({ reason: 'corrupts the cache' });
    // Rolling back to it is promoting it again.
    expect((await meta('channel', 'promote', 'acme/app', 'stable', '1.2.0')).code).toBe(0);
    expect((await meta('channel', 'rollback', 'acme/app', 'stable')).code).toBe(5);

    // The host already running it keeps it; a new host does not install it (and says why).
    const again = await meta('follow', 'acme/app', '--channel', 'beta', '--platform', 'linux/amd64', '--install-dir', inst, '--once');
    expect(again.code, again.stderr).toBe(0);
    expect(readlinkSync(`${inst}/current`)).toBe('releases/1.1.0');
    const fresh = `${tmp.dir}/inst-fresh`;
    const no = await meta('follow', 'acme/app', '--channel', 'beta', '--platform', 'linux/amd64', '--install-dir', fresh, '--once');
    expect(no.code).toBe(5);
    expect(no.stderr).toMatch(/1\.1\.0 is yanked \(corrupts the cache\): not installing/);
    expect(existsSync(`${fresh}/current`)).toBe(false);
    expect((await meta('verify')).code).toBe(0);
  });

  it('meta verify knows the yank record: one naming another release record is a missing reference', async () => {
    const gitdir = dir;
    const wrong = encodeRecord('yank', {
      header: { schemaVersion: 1, kind: 'yank', createdAt: new Date().toISOString(), actor: 'x', labels: [] },
      project: 'acme/app', release: { githash: SHA('d'), version: '1.0.0' }, reason: 'forged',
    });
    // Forge on a copy made by git itself: the repository meta wrote stays as it was.
    git(['clone', '-q', '--bare', gitdir, `${tmp.dir}/copy`]);
    plumbingCommit(`${tmp.dir}/copy`, { put: { [yankPath('acme/app', '1.0.0')]: gitBlob(`${tmp.dir}/copy`, wrong) } }, 'forged yank');
    const bad = await runMeta(['verify', '--json'], { ...env, META_REPO: `${tmp.dir}/copy` });
    expect(bad.code).toBe(6);
    expect(JSON.parse(bad.stdout).violations).toEqual([expect.objectContaining({ kind: 'missing-reference', path: yankPath('acme/app', '1.0.0') })]);
  });

  it('meta event log appends an Event record: meta log shows it, meta show decodes it', async () => {
    const e = await meta('event', 'log', 'gen.completed', '--project', 'app', '--message', 'clients regenerated', '--attribute', 'run=42', '--label', 'team=gen', '--json');
    expect(e.code, e.stderr).toBe(0);
    const ev = e.json();
    expect(ev).toMatchObject({ type: 'gen.completed', project: 'acme/app' });
    expect(ev.path).toMatch(/^log\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.pb$/);
    const lg = (await meta('log', '-n', '1', '--kind', 'event', '--json')).json();
    expect(lg[0]).toMatchObject({ subject: 'event gen.completed acme/app', records: [{ path: ev.path, kind: 'event' }] });
    expect((await meta('show', ev.path, '--json')).json().record).toMatchObject({
      type: 'gen.completed', project: 'acme/app', message: 'clients regenerated', attributes: [{ key: 'run', value: '42' }], header: { labels: [{ key: 'team', value: 'gen' }] },
    });
    expect((await meta('event', 'log', 'Not A Type')).code).toBe(2);
    expect((await meta('event', 'log', 'x.y', '--project', 'nope')).code).toBe(3);
  });

  it('module imports both ways: release importers lists who imports a module; diff shows import changes', async () => {
    for (const v of ['1.0.0', '1.2.0']) expect((await meta('channel', 'promote', 'acme/app', 'stable', v)).code).toBe(0);
    expect((await meta('release', 'yank', 'acme/app', '1.1.0', '--reason', 'corrupts the cache')).code).toBe(0);
    const all = (await meta('release', 'importers', 'acme/lib', '--json')).json() as { version: string; import: { version: string }; yanked: boolean }[];
    expect(all.map((i) => [i.version, i.import.version, i.yanked])).toEqual([['1.0.0', '2.0.0', false], ['1.1.0', '2.1.0', true], ['1.2.0', '2.1.0', false]]);
    expect(((await meta('release', 'importers', 'acme/lib', '--version', '2.1.0', '--json')).json() as { version: string }[]).map((i) => i.version)).toEqual(['1.1.0', '1.2.0']);
    expect((await meta('release', 'importers', 'acme/none')).stdout).toContain('no release imports acme/none');
    const first = ((await meta('channel', 'history', 'acme/app', 'stable', '--json')).json() as { commit: string }[])[0]!.commit;
    const d = await meta('diff', 'acme/app', 'stable', first, 'HEAD', '--json');
    expect(d.code, d.stderr).toBe(0);
    const dj = d.json();
    expect(dj.from.release.version).toBe('1.0.0');
    expect(dj.to.release.version).toBe('1.2.0');
    expect(dj.imports).toEqual([{ module: 'acme/lib', from: '2.0.0', to: '2.1.0', status: 'changed' }]);
    expect((await meta('diff', 'acme/app', 'stable', first, 'HEAD')).stdout).toContain('import changed  acme/lib 2.0.0 -> 2.1.0');
    const missing = await meta('diff', 'acme/app', 'nope', first, 'HEAD');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("has no channel 'nope'");
  });

  it('POST /v1/records writes hold, unhold, yank and event; the HTTP resolve answer flags a yank; SSE carries the new event types', async () => {
    expect((await meta('channel', 'promote', 'acme/app', 'stable', '1.2.0')).code).toBe(0);
    const repo = openMeta({ dir, env: {} });
    const since = await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(TOKEN), scopes: ['records'] }] } });
    repo.store.close();
    const srv = await startServe(dir, ['--json']);
    try {
      const post = async (body: Record<string, unknown>) => {
        const res = await fetch(`${srv.url}/v1/records`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect(await post({ kind: 'hold', project: 'acme/app', channel: 'stable', reason: 'incident 7' })).toMatchObject({ status: 201, body: { action: 'hold', changed: true } });
      expect((await post({ kind: 'promotion', project: 'acme/app', channel: 'stable', version: '1.0.0' })).status).toBe(412);
      expect((await post({ kind: 'hold', project: 'acme/app', channel: 'stable' })).status).toBe(400);
      expect(await post({ kind: 'unhold', project: 'acme/app', channel: 'stable' })).toMatchObject({ status: 201, body: { action: 'release-hold' } });
      expect(await post({ kind: 'yank', project: 'acme/app', version: '1.2.0', reason: 'leaks memory' })).toMatchObject({ status: 201, body: { version: '1.2.0', changed: true } });
      expect(await post({ kind: 'event', type: 'deploy.finished', project: 'acme/app', message: 'done', attributes: { region: 'eu' } })).toMatchObject({ status: 201, body: { type: 'deploy.finished' } });

      const res = await fetch(`${srv.url}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ release: { version: '1.2.0' }, yanked: true, yank: { reason: 'leaks memory', by: 'token:ci' } });

      const watch = await runMeta(['watch', '--server', srv.url, '--since', since, '--types', 'channel.held,channel.unheld,release.yanked,event.logged', '--max-events', '4', '--timeout', '30', '--json'], env);
      expect(watch.code, watch.stderr).toBe(0);
      const events = watch.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; version?: string; record?: { type?: string } });
      expect(events.map((e) => e.type)).toEqual(['channel.held', 'channel.unheld', 'release.yanked', 'event.logged']);
      expect(events[2]!.version).toBe('1.2.0');
      expect(events[3]!.record?.type).toBe('deploy.finished');
    } finally {
      await srv.stop();
    }
  });
});

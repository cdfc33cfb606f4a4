import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addProject, initMeta, promote, recordBinary, recordRelease } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { readFollowState } from '../../src/follow/followState.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, git, gitBlob, plumbingCommit, tmp } from '../helpers/remoteFixtures.js';
import { META_BIN, runMeta, startServe, until } from '../helpers/metaProcess.js';
import { setSettings, sha, sha256 } from '../helpers/serveFixtures.js';
import { REPO_ROOT } from '../helpers/diskRepo.js';

const actor = 'test <test@example.com>';
const http = useGitHttpServer();


/** A webhook receiver on 127.0.0.1 that records every delivery. */
async function receiver(): Promise<{ url: string; got: { delivery: string; type: string; version: string }[]; close: () => Promise<void> }> {
  const got: { delivery: string; type: string; version: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const ev = JSON.parse(Buffer.concat(chunks).toString()) as { type: string; version?: string };
    got.push({ delivery: String(req.headers['x-meta-delivery']), type: ev.type, version: ev.version ?? '' });
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

/** A seeded remote: a meta repository with acme/app pushed to a bare repository behind git http-backend. */
async function seededRemote(name: string, settings?: Record<string, unknown>): Promise<{ url: string; seed: Awaited<ReturnType<typeof initMeta>> }> {
  bareRepo(http.root, name);
  const seed = await initMeta({ dir: `${tmp()}/seed`, env: {}, actor });
  await addProject(seed, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  if (settings) await setSettings(seed, settings);
  addRemote(seed, 'origin', http.server.url(name));
  await push(seed);
  return { url: http.server.url(name), seed };
}

describe('answers that are right', () => {
  it('webhooks keep delivering after a meta push replayed a local commit onto a moved remote: nothing lost, stalled, or delivered again under a new id', async () => {
    const rx = await receiver();
    const { url } = await seededRemote('wh.git', { webhooks: [{ name: 'releases', url: rx.url, events: ['release.recorded'] }] });
    const record = (dir: string, v: string, ...extra: string[]) => runMeta(['release', 'record', 'acme/app', '--version', v, '--source', `https://git.example/acme/app@${sha('a')}`, '--repo', dir, ...extra]);
    const a = `${tmp()}/a`;
    const b = `${tmp()}/b`;
    expect((await runMeta(['clone', url, a])).code).toBe(0);
    expect((await runMeta(['clone', url, b])).code).toBe(0);
    const srv = await startServe(a, ['--json', '--allow-private-webhooks', '--webhook-backoff-ms', '20']);
    try {
      // A local commit on the served clone is delivered at once.
      expect((await record(a, '1.0.0')).code).toBe(0);
      await until(() => rx.got.some((g) => g.version === '1.0.0'), '1.0.0');
      // Meanwhile another writer pushed; an ordinary meta push replays 1.0.0 onto the new remote tip.
      expect((await record(b, '2.0.0', '--push')).code).toBe(0);
      const pushed = await runMeta(['push', '--repo', a, '--json']);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(JSON.parse(pushed.stdout).replayed).toBe(1);
      expect((await record(a, '3.0.0')).code).toBe(0);
      await until(() => rx.got.some((g) => g.version === '3.0.0'), '3.0.0 after the replayed push');
    } finally {
      await srv.stop();
      await rx.close();
    }
    expect(rx.got.map((g) => g.version)).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(new Set(rx.got.map((g) => g.delivery)).size).toBe(3);
  });

  it('meta follow --once exits 0 only when the host runs the release: 6 after a digest mismatch, 9 when no location downloads; a mismatch is retried, and another version with the same digest is tried', async () => {
    const dir = tmp();
    const repo = await initMeta({ dir: `${dir}/meta`, env: {}, actor });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const good = 'the real bytes';
    const rec = async (v: string, c: string, urls: string[]) => {
      await recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
      await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: sha256(good), size: good.length, urls });
    };
    writeFileSync(`${dir}/bad`, 'other bytes!!!'); // same size, other digest
    await rec('1.0.0', 'a', [`file://${dir}/bad`]);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    const inst = `${dir}/inst`;
    const follow = (installDir = inst) => runMeta(['follow', 'acme/app', '--repo', `${dir}/meta`, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', installDir, '--once', '--json']);

    let r = await follow();
    expect(r.code, r.stderr).toBe(6);
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!).error.code).toBe('DIGEST_MISMATCH');
    expect((await readFollowState(inst))?.digestFailures).toEqual([expect.objectContaining({ version: '1.0.0', location: `file://${dir}/bad`, failures: 1 })]);
    // The location is fixed: the next run tries it again instead of skipping the digest for good.
    writeFileSync(`${dir}/bad`, good);
    r = await follow();
    expect(r.code, r.stderr).toBe(0);
    expect(readlinkSync(`${inst}/current`)).toBe('releases/1.0.0');
    expect((await readFollowState(inst))?.digestFailures).toBeUndefined();

    // Nothing can be downloaded: 9.
    await rec('1.1.0', 'b', [`file://${dir}/missing`]);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
    r = await follow();
    expect(r.code, r.stderr).toBe(9);
    expect(readlinkSync(`${inst}/current`)).toBe('releases/1.0.0');

    // A version whose location served other bytes does not block another version with that digest.
    writeFileSync(`${dir}/bad2`, 'other bytes!!!');
    await rec('1.2.0', 'c', [`file://${dir}/bad2`]);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.2.0' });
    expect((await follow()).code).toBe(6);
    writeFileSync(`${dir}/good`, good);
    await rec('1.3.0', 'd', [`file://${dir}/good`]);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.3.0' });
    r = await follow();
    expect(r.code, r.stderr).toBe(0);
    expect(readlinkSync(`${inst}/current`)).toBe('releases/1.3.0');

    // Nothing live on a channel: 3, not success.
    expect((await runMeta(['follow', 'acme/app', '--repo', `${dir}/meta`, '--channel', 'beta', '--platform', 'linux/amd64', '--install-dir', `${dir}/inst-beta`, '--once'])).code).toBe(3);
  });

  it('shallow clones: records before the boundary are shown as such, never attributed to the boundary commit; --at before it says how to see further back', async () => {
    const { url, seed } = await seededRemote('shallow.git');
    for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b'], ['1.2.0', 'c']] as const) {
      await recordRelease(seed, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
      await promote(seed, { project: 'acme/app', channel: 'stable', version: v });
    }
    await push(seed);
    const first = git(['--git-dir', seed.store.dir, 'rev-list', '--max-parents=0', 'HEAD']).trim();
    const dir = `${tmp()}/shallow`;
    expect((await runMeta(['clone', url, dir, '--depth', '2'])).code).toBe(0);
    const boundary = readFileSync(`${dir}/shallow`, 'utf8').trim();

    const hist = JSON.parse((await runMeta(['channel', 'history', 'acme/app', 'stable', '--json', '--repo', dir])).stdout) as { sequence: number; commit: string | null; beforeBoundary?: boolean }[];
    expect(hist.map((h) => [h.sequence, h.commit === boundary, h.beforeBoundary ?? false])).toEqual([[1, false, true], [2, false, true], [3, false, false]]);
    expect(hist[0]!.commit).toBeNull();
    expect((await runMeta(['channel', 'history', 'acme/app', 'stable', '--repo', dir])).stdout).toContain('(before shallow boundary)');

    const lg = JSON.parse((await runMeta(['log', '--json', '--repo', dir])).stdout) as { commit: string; records: unknown[]; shallowBoundary?: boolean }[];
    expect(lg[lg.length - 1]).toMatchObject({ commit: boundary, records: [], shallowBoundary: true });

    for (const at of ['2000-01-01', first]) {
      const r = await runMeta(['channel', 'show', 'acme/app', 'stable', '--at', at, '--repo', dir]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('is before the boundary of this shallow clone');
      expect(r.stderr).toContain('without --depth');
    }
  });

  it('git log -p and git show decode records in repositories meta init and meta clone make', async () => {
    const { url } = await seededRemote('textconv.git');
    const made = `${tmp()}/made`;
    expect((await runMeta(['init', made])).code).toBe(0);
    expect((await runMeta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app', '--repo', made])).code).toBe(0);
    const cloned = `${tmp()}/cloned`;
    expect((await runMeta(['clone', url, cloned])).code).toBe(0);
    const env = { ...process.env, PATH: `${REPO_ROOT}/bin:${process.env.PATH}` };
    for (const dir of [made, cloned]) {
      const logP = execFileSync('git', ['--git-dir', dir, 'log', '-p', '-1', '--', 'projects/acme/app/project.pb'], { encoding: 'utf8', env });
      expect(logP).toContain('+  "kind": "project"');
      expect(logP).toContain('"repoUrl": "https://git.example/acme/app"');
      const showC = execFileSync('git', ['--git-dir', dir, 'show', 'HEAD', '--', 'projects/acme/app/project.pb'], { encoding: 'utf8', env });
      expect(showC.includes('"kind": "project"') || made !== dir).toBe(true);
    }
    // Without meta on the PATH git still works, and says what would decode the record.
    const bare = execFileSync('git', ['--git-dir', made, 'log', '-p', '-1'], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin' } });
    expect(bare).toContain('put meta on the PATH');
  });

  it('meta serve: GET / answers; /download prefers an http(s) location, takes ?location=<n>, and /metrics counts its 302', async () => {
    const dir = tmp();
    const repo = await initMeta({ dir: `${dir}/meta`, env: {}, actor });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    await recordBinary(repo, { project: 'acme/app', version: '1.0.0', platform: 'linux/amd64', digest: sha256('x'), size: 1, urls: ['s3://bucket/app', 'file:///srv/app', 'https://dl.example/app'] });
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    repo.store.close();
    const srv = await startServe(`${dir}/meta`, ['--json']);
    try {
      const index = await fetch(`${srv.url}/`);
      expect(index.status).toBe(200);
      const body = (await index.json()) as { routes: { path: string }[] };
      expect(body.routes.map((r) => r.path)).toContain('/v1/projects/{project}/channels/{channel}/download');
      const dl = (q = '') => fetch(`${srv.url}/v1/projects/acme/app/channels/stable/download?platform=linux/amd64${q}`, { redirect: 'manual' });
      let r = await dl();
      expect(r.status).toBe(302);
      expect(r.headers.get('location')).toBe('https://dl.example/app');
      r = await dl('&location=1');
      expect(r.headers.get('location')).toBe('file:///srv/app');
      expect((await dl('&location=3')).status).toBe(404);
      expect((await dl('&location=x')).status).toBe(400);
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metrics).toContain('meta_http_requests_total{code="302",route="download"} 2');
      expect(metrics).toContain('meta_http_requests_total{code="200",route="index"} 1');
    } finally {
      await srv.stop();
    }
  });

  it("a push refused by the server's hook shows the hook's message as one line", async () => {
    const srv = bareRepo(http.root, 'hooked.git');
    expect(spawnSync(META_BIN, ['hooks', 'install', srv]).status).toBe(0);
    const dir = `${tmp()}/m`;
    const repo = await initMeta({ dir, env: {}, actor });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    addRemote(repo, 'origin', http.server.url('hooked.git'));
    await push(repo);
    plumbingCommit(repo.store.dir, { put: { 'projects/acme/app/project.pb': gitBlob(repo.store.dir, 'x') } }, 'tamper');
    const r = await runMeta(['push', '--repo', dir]);
    expect(r.code).toBe(9);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/pre-receive hook declined\): remote: meta: commit [0-9a-f]{40} modifies projects\/acme\/app\/project\.pb: records are immutable; write a new record instead/);
  });

  it("README: the protoc --decode example works as written; the template README's secret path has its shard", async () => {
    const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
    const block = /```sh\n(git --git-dir "\$META_REPO" show [^`]+)```/.exec(readme);
    expect(block, 'the decode example in README.md').not.toBeNull();
    const dir = tmp();
    const repo = await initMeta({ dir: `${dir}/meta`, env: {}, actor });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://github.com/acme/app' });
    await recordRelease(repo, { project: 'acme/app', version: '1.4.2', sources: [{ url: 'https://github.com/acme/app', commit: sha('a') }] });
    repo.store.close();
    // Run as written, from the package's folder (where `-I proto` points), with META_REPO set.
    const out = execFileSync('sh', ['-c', block![1]!], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${REPO_ROOT}/bin:${process.env.PATH}`, META_REPO: `${dir}/meta` } });
    expect(out).toContain('version: "1.4.2"');
    expect(readFileSync(`${REPO_ROOT}/meta-template/README.md`, 'utf8')).toContain('envs/<env>[/<developer>]/secrets/<name>/<shard>/<version>.sops.<ext>');
  });
});

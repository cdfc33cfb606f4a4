import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest, Agent } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { promote, resolveBinary } from '../../src/index.js';
import { startServer, type MetaServer } from '../../src/serve/MetaServer.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { decodeRecord } from '../../src/records/codec.js';
import { classifyPath } from '../../src/records/layout.js';
import { listInstances } from '../../src/api/listInstances.js';
import { verify } from '../../src/api/verify.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { fsck, tempDir } from '../helpers/diskRepo.js';
import { diskRepo, fileServer, releaseWithBinary, setSettings, sha, sha256 } from '../helpers/serveFixtures.js';
import { readSse } from '../helpers/readSse.js';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Res { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any } // eslint-disable-line @typescript-eslint/no-explicit-any

/** A raw HTTP request (no path normalisation, unlike fetch). */
function req(base: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, method, path, headers: opts.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    r.on('error', reject);
    if (opts.body !== undefined) r.write(opts.body);
    r.end();
  });
}

const CI = 'ci-token-123';
const REPORTER = 'reporter-token-456';
const post = (base: string, path: string, body: unknown, token = CI) =>
  req(base, 'POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });

describe('meta serve', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let server: MetaServer;
  let files: Awaited<ReturnType<typeof fileServer>>;
  let base: string;
  const resolvePath = '/v1/projects/acme%2Fapp/channels/stable/resolve?platform=linux/amd64';

  beforeAll(async () => {
    tmp = tempDir('meta-serve-');
    repo = await diskRepo(tmp.dir);
    files = await fileServer(tmp.dir);
    writeFileSync(`${tmp.dir}/app-1.0.0`, 'binary one');
    await releaseWithBinary(repo, '1.0.0', 'binary one', `${files.url}/app-1.0.0`);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(CI) }, { name: 'fleet', sha256: hashToken(REPORTER), scopes: ['reports'] }] } });
    server = await startServer({ repo, listen: '127.0.0.1:0', maxBodyBytes: 64 * 1024, webhooks: false });
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await files?.close();
    agent.destroy();
    tmp.cleanup();
  });

  it('resolves like `meta resolve binary --json`, with the meta commit as ETag, for both project path forms', async () => {
    const r = await req(base, 'GET', resolvePath);
    expect(r.status).toBe(200);
    const want = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
    expect(r.json()).toEqual(want);
    expect(r.headers.etag).toBe(`"${want.commit}"`);
    const r2 = await req(base, 'GET', '/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64');
    expect(r2.json()).toEqual(want);
    const nm = await req(base, 'GET', resolvePath, { headers: { 'if-none-match': `"${want.commit}"` } });
    expect(nm.status).toBe(304);
    const at = await req(base, 'GET', `${resolvePath}&at=${want.commit}`);
    expect(at.json().commit).toBe(want.commit);
  });

  it('long-polls with If-None-Match until the channel moves', async () => {
    const first = (await req(base, 'GET', resolvePath)).json();
    const waiting = req(base, 'GET', `${resolvePath}&wait=30`, { headers: { 'if-none-match': `"${first.commit}"` } });
    writeFileSync(`${tmp.dir}/app-1.1.0`, 'binary two');
    await releaseWithBinary(repo, '1.1.0', 'binary two', `${files.url}/app-1.1.0`, 'b');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.json().release.version).toBe('1.1.0');
    expect(r.headers.etag).toBe(`"${repo.store.tip()}"`);
  });

  it('redirects /download to the first location, and the real curl bootstraps the binary through it', async () => {
    const r = await req(base, 'GET', '/v1/projects/acme/app/channels/stable/download?platform=linux/amd64');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`${files.url}/app-1.1.0`);
    const out = `${tmp.dir}/bootstrapped`;
    // The server runs in this process: curl must run asynchronously, or it would wait on us forever.
    await promisify(execFile)('curl', ['-fsSL', `${base}/v1/projects/acme/app/channels/stable/download?platform=linux/amd64`, '-o', out]);
    expect(sha256(readFileSync(out))).toBe(r.headers['x-meta-digest']);
    expect(readFileSync(out, 'utf8')).toBe('binary two');
  });

  it('answers bad requests with clear 4xx errors and writes nothing', async () => {
    const tip = repo.store.tip();
    const cases: [Promise<Res>, number, string][] = [
      [req(base, 'GET', '/v1/projects/acme/nope/channels/stable/resolve?platform=linux/amd64'), 404, 'NOT_FOUND'],
      [req(base, 'GET', '/v1/nothing'), 404, 'NOT_FOUND'],
      [req(base, 'GET', '/v1/projects/acme/app/channels/stable/resolve?platform=linux-amd64'), 400, 'INVALID_NAME'],
      [req(base, 'GET', '/v1/projects/acme/app/channels/stable/resolve'), 400, 'INVALID_ARGUMENT'],
      [req(base, 'GET', '/v1/projects/acme/../../etc/channels/stable/resolve?platform=linux/amd64'), 400, 'INVALID_ARGUMENT'],
      [req(base, 'GET', '/v1/projects/acme%2F..%2F..%2Fetc/channels/stable/resolve?platform=linux/amd64'), 400, 'INVALID_ARGUMENT'],
      [req(base, 'GET', '/v1/projects/acme/app/channels/%2e%2e/resolve?platform=linux/amd64'), 400, 'INVALID_ARGUMENT'],
      [req(base, 'POST', '/v1/records', { body: '{}' }), 401, 'AUTH'],
      [post(base, '/v1/records', { kind: 'release' }, 'wrong'), 401, 'AUTH'],
      [post(base, '/v1/records', { kind: 'release', project: 'acme/app', version: '9', sources: [] }, REPORTER), 403, 'AUTH'],
      [post(base, '/v1/records', '{"kind": "release", '), 400, 'INVALID_ARGUMENT'],
      [post(base, '/v1/records', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: 'u', commit: sha('c') }], colour: 'red' }), 400, 'INVALID_ARGUMENT'],
      [post(base, '/v1/records', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: 'u', commit: sha('c'), sha: 'x' }] }), 400, 'INVALID_ARGUMENT'],
      [post(base, '/v1/records', { kind: 'teleport' }), 400, 'INVALID_ARGUMENT'],
      [post(base, '/v1/records', { kind: 'release', project: 'acme/app', version: '1.0.0', sources: [{ url: 'u', commit: sha('c') }] }), 409, 'ALREADY_EXISTS'],
      [post(base, '/v1/records', { kind: 'binary', project: 'acme/app', version: '1.1.0', platform: 'Linux/amd64', digest: sha256('x'), size: 1, urls: ['https://x/y'] }), 400, 'INVALID_NAME'],
      [post(base, '/v1/records', `{"kind":"release","notes":"${'x'.repeat(70 * 1024)}"}`), 413, 'INVALID_ARGUMENT'],
      [req(base, 'POST', '/v1/records', { body: 'kind=release', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${CI}` } }), 415, 'INVALID_ARGUMENT'],
      [req(base, 'DELETE', '/v1/records'), 405, 'INVALID_ARGUMENT'],
      [post(base, '/v1/projects/acme/app/instances/h..1/report', { env: 'prod', status: 'running' }, REPORTER), 400, 'INVALID_NAME'],
      [post(base, '/v1/projects/acme/app/instances/h1/report', { env: 'prod', status: 'running', extra: 1 }, REPORTER), 400, 'INVALID_ARGUMENT'],
    ];
    for (const [p, status, code] of cases) {
      const r = await p;
      expect({ status: r.status, code: r.json().error?.code }, r.text).toEqual({ status, code });
      expect(typeof r.json().error.message).toBe('string');
    }
    expect(repo.store.tip()).toBe(tip);
  });

  it('takes releases, binaries and promotions from CI over HTTP', async () => {
    const rel = await post(base, '/v1/records', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('c') }], labels: { ci: 'job-7' }, actor: 'ci job 7' });
    expect(rel.status, rel.text).toBe(201);
    expect(rel.json()).toMatchObject({ project: 'acme/app', version: '2.0.0' });
    const bin = await post(base, '/v1/records', { kind: 'binary', project: 'acme/app', version: '2.0.0', platform: 'linux/amd64', digest: sha256('three'), size: 5, urls: [`${files.url}/app-2.0.0`] });
    expect(bin.status, bin.text).toBe(201);
    const pr = await post(base, '/v1/records', { kind: 'promotion', project: 'acme/app', channel: 'stable', version: '2.0.0', expect: '1.1.0', reason: 'ci' });
    expect(pr.status, pr.text).toBe(201);
    expect(pr.json()).toMatchObject({ sequence: 3, changed: true });
    const stale = await post(base, '/v1/records', { kind: 'promotion', project: 'acme/app', channel: 'stable', version: '1.0.0', expect: '1.1.0' });
    expect(stale.status).toBe(409);
    expect(resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' }).release.version).toBe('2.0.0');
    // The token is the actor; the body's actor is kept as what the token holder says it acts for.
    const header = repo.reader.at(repo.store.snapshot(), rel.json().path, 'release')!.record.header;
    expect(header.actor).toBe('token:ci');
    expect(header.labels).toContainEqual({ key: 'on-behalf-of', value: 'ci job 7' });
  });

  it('lands 1,000 concurrent instance reports in far fewer commits; the repository stays valid', async () => {
    const before = repo.store.log().entries().length;
    const commitsBefore = server.committer.commits;
    const res = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
      post(base, `/v1/projects/acme%2Fapp/instances/host-${i}/report`, { env: 'prod', channel: 'stable', version: '2.0.0', digest: sha256('three'), platform: 'linux/amd64', status: 'running' }, REPORTER)));
    expect(res.filter((r) => r.status !== 201).map((r) => r.text)).toEqual([]);
    const commits = repo.store.log().entries().length - before;
    expect(commits).toBe(server.committer.commits - commitsBefore);
    expect(commits).toBeLessThan(200);
    const snap = repo.store.snapshot();
    for (const r of res) expect(snap.entry(r.json().path)?.oid).toBe(r.json().githash);
    const fleet = listInstances(repo, { project: 'acme/app', env: 'prod' });
    expect(fleet.channels[0]).toMatchObject({ channel: 'stable', desired: '2.0.0', total: 1000, current: 1000 });
    // Real git accepts the repository, and every record file decodes as what its path says.
    const f = fsck(repo.store.dir);
    expect(f.status, f.output).toBe(0);
    let n = 0;
    for (const { path, oid } of snap.walk('projects')) {
      const kind = decodeRecord(snap.readBlob(oid), { path }).kind;
      expect(kind).toBe({ project: 'project', release: 'release', binary: 'binary', promotion: 'promotion', instance: 'instance' }[classifyPath(path).type as string]);
      n++;
    }
    expect(n).toBeGreaterThan(1000);
    const v = verify(repo);
    expect(v.violations).toEqual([]);
    expect(v.ok).toBe(true);
    console.log(`1000 reports over HTTP: ${commits} commits`);
    const m = await req(base, 'GET', '/metrics');
    expect(m.text).toMatch(/^meta_appends_total \d+/m);
    expect(m.text).toMatch(/^meta_commits_total \d+/m);
    const inf = /^meta_http_request_duration_seconds_bucket\{route="report",le="\+Inf"\} (\d+)$/m.exec(m.text);
    expect(Number(inf?.[1])).toBeGreaterThanOrEqual(1000);
    expect(m.text).toMatch(/^meta_follower_lag_seconds 0$/m);
  });

  it('streams one typed event per record over SSE, resumable with Last-Event-ID', async () => {
    const read = async (headers: Record<string, string>, count: number) => {
      const { res, events } = await readSse(`${base}/v1/events?project=acme/app&types=channel.*,release.recorded,binary.recorded&since=beginning`, count, headers);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      return events;
    };
    const all = await read({}, 9);
    expect(all.map((e) => e.event)).toEqual([
      'release.recorded', 'binary.recorded', 'channel.promoted', 'release.recorded', 'binary.recorded', 'channel.promoted', 'release.recorded', 'binary.recorded', 'channel.promoted',
    ]);
    expect(all[2]!.data).toMatchObject({ project: 'acme/app', channel: 'stable', version: '1.0.0', sequence: 1 });
    // Each event here is its commit's last, so its id is the commit: resume after the 5th.
    expect(all[4]!.id).toBe(all[4]!.data.commit);
    const rest = await read({ 'last-event-id': all[4]!.id! }, 4);
    expect(rest.map((e) => e.data.id)).toEqual(all.slice(5, 9).map((e) => e.data.id));
    const bad = await req(base, 'GET', '/v1/events', { headers: { 'last-event-id': 'f'.repeat(40) } });
    expect(bad.status).toBe(409);
    expect(bad.json().error.code).toBe('HISTORY_REWRITTEN');
  });
});

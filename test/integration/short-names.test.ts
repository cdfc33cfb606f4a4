import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { addProject, promote } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe } from '../helpers/metaProcess.js';
import { diskRepo, releaseWithBinary } from '../helpers/serveFixtures.js';
import { readSse, type SseEvent } from '../helpers/readSse.js';

/** The first `count` events of an SSE stream (the stream is then closed). */
async function readEvents(url: string, count: number): Promise<SseEvent[]> {
  const { res, events } = await readSse(url, count);
  expect(res.status).toBe(200);
  return events;
}

const link = (dir: string) => (existsSync(`${dir}/current`) ? readlinkSync(`${dir}/current`) : undefined);

/**
 * `app` for `acme/app` works at every entry point: a short name that silently matched nothing
 * (events, watch, follow with --server) or was kept as given (a follower's state) would make a
 * server look idle or an install dir refuse its own project.
 */
describe('short project names at every entry point', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let serve: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    tmp = tempDir('meta-short-');
    repo = await diskRepo(tmp.dir);
    writeFileSync(`${tmp.dir}/app-1.0.0`, 'one');
    writeFileSync(`${tmp.dir}/app-1.1.0`, 'two');
    await releaseWithBinary(repo, '1.0.0', 'one', `file://${tmp.dir}/app-1.0.0`, 'a');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    serve = await startServe(repo.dir, ['--json', '--no-webhooks']);
  });
  afterAll(async () => {
    await serve?.stop();
    repo.close();
    tmp.cleanup();
  });

  it('GET /v1/projects/app names the project in full', async () => {
    const r = await fetch(`${serve.url}/v1/projects/app`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    expect((await fetch(`${serve.url}/v1/projects/acme%2Fapp`)).status).toBe(200);
    const missing = await fetch(`${serve.url}/v1/projects/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('GET /v1/events?project=app streams acme/app events', async () => {
    const evs = await readEvents(`${serve.url}/v1/events?project=app&since=beginning&types=release.*,binary.*,channel.*`, 3);
    expect(evs.map((e) => [e.event, e.data.project])).toEqual([['release.recorded', 'acme/app'], ['binary.recorded', 'acme/app'], ['channel.promoted', 'acme/app']]);
    const nope = await fetch(`${serve.url}/v1/events?project=nope`);
    expect(nope.status).toBe(404);
  });

  it('meta watch app --server prints acme/app events', async () => {
    const r = await runMeta(['watch', 'app', '--server', serve.url, '--since', 'beginning', '--types', 'channel.*', '--max-events', '1', '--timeout', '60', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'channel.promoted', project: 'acme/app', channel: 'stable', version: '1.0.0' });
  });

  it('meta log --project app lists acme/app', async () => {
    const r = await runMeta(['log', '--repo', repo.dir, '--project', 'app', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout) as { subject: string }[];
    expect(items.map((i) => i.subject)).toEqual(['promote acme/app stable 1.0.0 (seq 1)', 'record binary acme/app 1.0.0 linux/amd64', 'record release acme/app 1.0.0', 'add project acme/app']);
  });

  it('meta follow app --server takes over an install dir set up with --repo', async () => {
    const dir = `${tmp.dir}/host`;
    const follow = (...source: string[]) => runMeta(['follow', 'app', ...source, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', dir, '--once', '--json'], {}, { timeoutMs: 60_000 });
    let r = await follow('--repo', repo.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(link(dir)).toBe('releases/1.0.0');
    await releaseWithBinary(repo, '1.1.0', 'two', `file://${tmp.dir}/app-1.1.0`, 'b');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
    r = await follow('--server', serve.url);
    expect(r.code, r.stderr).toBe(0);
    expect(link(dir)).toBe('releases/1.1.0');
    expect(JSON.parse(r.stdout).state).toMatchObject({ project: 'acme/app', version: '1.1.0' });
  });

  it('refuses a short name that names two projects, everywhere alike (exit 2 / HTTP 400)', async () => {
    await addProject(repo, { name: 'other/app', repoUrl: 'https://git.example/other/app' });
    expect((await fetch(`${serve.url}/v1/events?project=app`)).status).toBe(400);
    expect((await fetch(`${serve.url}/v1/projects/app`)).status).toBe(400);
    const r = await runMeta(['follow', 'app', '--server', serve.url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', `${tmp.dir}/other`, '--once']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ambiguous: acme\/app, other\/app/);
    expect((await runMeta(['watch', 'app', '--server', serve.url, '--max-events', '1', '--timeout', '30'])).code).not.toBe(0);
  });
});

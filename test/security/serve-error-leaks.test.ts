import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { promote, recordBinary, recordRelease } from '../../src/index.js';
import { addChannel } from '../../src/api/addChannel.js';
import { EXIT_CODES } from '../../src/errors/MetaError.js';
import * as server from '../../src/serve/publicError.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary, sha, sha256 } from '../helpers/serveFixtures.js';
import { startServe, until, type ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest, type Res } from '../helpers/rawRequest.js';

const MARKER = 'LEAK-MARKER-7f3a';

/**
 * Error answers of `meta serve` go to anyone who can reach it. They must not tell a client where
 * the repository lives on the host, quote bytes of host files (git's config read through a ref
 * name that climbs out of refs/, meta.yaml through its parse error) or carry stack traces. The
 * operator gets the detail in the server's log, under the id the answer names.
 */
describe('meta serve error answers carry no host paths, file contents or stack traces', () => {
  let tmp: ReturnType<typeof tempDir>;
  let serve: ServeProcess;
  let gitdir = '';
  const answers: [string, Res][] = [];

  const loose = (oid: string) => `${gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`;

  beforeAll(async () => {
    tmp = tempDir('meta-sec-leaks-');
    const repo = await diskRepo(tmp.dir);
    gitdir = repo.store.dir;
    await releaseWithBinary(repo, '1.0.0', 'one', 'https://dl.example/app-1.0.0');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    // Three channels whose binary record is damaged on disk, each differently.
    for (const name of ['missing', 'loop', 'garbage']) await addChannel(repo, { name });
    const damaged: Record<string, string> = {};
    for (const [version, channel, c] of [['2.0.0', 'missing', 'b'], ['3.0.0', 'loop', 'c'], ['4.0.0', 'garbage', 'd']] as const) {
      await recordRelease(repo, { project: 'acme/app', version, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
      const b = await recordBinary(repo, { project: 'acme/app', version, platform: 'linux/amd64', digest: sha256(version), size: 5, urls: [`https://dl.example/${version}`] });
      await promote(repo, { project: 'acme/app', channel, version });
      damaged[channel] = b.githash;
    }
    // meta.yaml that does not parse, its broken line carrying a marker.
    await repo.store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from(`format: 1\nserve: {tokens: [${MARKER}\n`), replace: true }], message: 'broken settings' }), { actor: repo.actor });
    repo.close();
    rmSync(loose(damaged.missing!));
    rmSync(loose(damaged.loop!));
    symlinkSync(loose(damaged.loop!), loose(damaged.loop!)); // ELOOP: a system error naming the file
    rmSync(loose(damaged.garbage!));
    writeFileSync(loose(damaged.garbage!), `not zlib ${MARKER}`);
    serve = await startServe(`${tmp.dir}/meta`, ['--no-webhooks']);
  });
  afterAll(async () => {
    await serve?.stop();
    tmp?.cleanup();
  });

  /** Sends one request and checks its answer leaks nothing. */
  const get = async (name: string, path: string, opts: Parameters<typeof rawRequest>[3] = {}, method = 'GET'): Promise<Res> => {
    const r = await rawRequest(serve.url, method, path, opts);
    answers.push([name, r]);
    for (const d of [tmp.dir, realpathSync(tmp.dir), gitdir, process.cwd()]) expect(r.text, `${name} names ${d}`).not.toContain(d);
    expect(r.text, name).not.toMatch(/\n\s+at |\bat [\w.<>]+ \(|node:internal|\.js:\d+:\d+/);
    expect(r.text, name).not.toMatch(/\[core\]|repositoryformatversion|filemode|bare =/);
    expect(r.text, name).not.toContain(MARKER);
    expect(r.text, name).not.toMatch(/ELOOP|ENOENT|EACCES|errno/);
    expect(JSON.parse(r.text).error.message, name).toEqual(expect.any(String));
    return r;
  };
  const resolve = (channel: string, q = '') => `/v1/projects/acme/app/channels/${channel}/resolve?platform=linux/amd64${q}`;
  const code = (r: Res) => JSON.parse(r.text).error?.code as string;

  it('a record object missing from the object store: 404 without the repository directory', async () => {
    const r = await get('missing object', resolve('missing'));
    expect(r.status, r.text).toBe(404);
    expect(code(r)).toBe('NOT_FOUND');
  });

  it('a system error reading an object (an internal error): 500 with a generic message; the detail goes to the server log', async () => {
    const r = await get('ELOOP object', resolve('loop'));
    expect(r.status, r.text).toBe(500);
    expect(code(r)).toBe('INTERNAL');
    const id = /error id ([0-9a-f]+)/.exec(JSON.parse(r.text).error.message)?.[1];
    expect(id, r.text).toBeDefined();
    await until(() => serve.err().includes(`error ${id}:`), 'the detail in the server log');
    expect(serve.err()).toMatch(/ELOOP/);
  });

  it('a corrupt object: 500 without its bytes', async () => {
    const r = await get('corrupt object', resolve('garbage'));
    expect(r.status, r.text).toBe(500);
    expect(code(r)).toBe('INTEGRITY');
  });

  it('an ?at= ref name that climbs out of refs/ into git\'s config: no config bytes in the answer', async () => {
    for (const at of ['refs/../config', 'refs/heads/../../config', 'refs/remotes/../../config']) {
      const r = await get(`at=${at}`, resolve('stable', `&at=${encodeURIComponent(at)}`));
      expect(r.status >= 400, r.text).toBe(true);
      const d = await get(`download at=${at}`, `/v1/projects/acme/app/channels/stable/download?platform=linux/amd64&at=${encodeURIComponent(at)}`);
      expect(d.status >= 400, d.text).toBe(true);
    }
  });

  it('a meta.yaml that does not parse: a write is refused without quoting it', async () => {
    const r = await get('broken meta.yaml', '/v1/records', { body: '{"kind":"project"}', headers: { 'content-type': 'application/json', authorization: 'Bearer whatever' } }, 'POST');
    expect(r.status, r.text).toBe(500);
  });

  it('the server is still up after all of them', () => {
    expect(answers.length).toBeGreaterThanOrEqual(9);
    expect(serve.alive()).toBe(true);
  });

  it('every error code has an HTTP status', () => {
    const status = (server as { STATUS?: Record<string, number> }).STATUS ?? {};
    for (const c of Object.keys(EXIT_CODES)) expect(status[c], c).toBeGreaterThanOrEqual(400);
    expect(status.MAC_MISMATCH).toBe(500);
    expect(status.NO_IDENTITY).toBe(500);
  });
});

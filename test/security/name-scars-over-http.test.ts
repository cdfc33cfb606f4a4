import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { servedWithTokens } from '../helpers/serveFixtures.js';
import type { ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest } from '../helpers/rawRequest.js';

const CI = 'ci-token-names';
const FLEET = 'fleet-token-names';

/**
 * A token holder (or a buggy CI job) tries to leave permanent scars through the HTTP API: names
 * that differ only in case (two folders that one macOS or Windows checkout mixes up), a
 * one-segment project that would swallow every later `acme/*`, channels and environments that
 * were never declared. Records are immutable, so each is refused before anything is written,
 * with the same rules as the CLI, and the server keeps serving.
 */
describe('names that would scar the repository are refused over HTTP too', () => {
  let fixture: Awaited<ReturnType<typeof servedWithTokens>>;
  let serve: ServeProcess;
  let dir = '';

  beforeAll(async () => {
    fixture = await servedWithTokens('meta-sec-names-', { records: CI, reports: FLEET });
    ({ serve, dir } = fixture);
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  const tip = () => spawnSync('git', ['--git-dir', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const post = (path: string, body: unknown, token = CI) =>
    rawRequest(serve.url, 'POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  /** Posts, expecting the HTTP status and error code, and the tip not to move. */
  const refused = async (status: number, code: string, path: string, body: unknown, token = CI) => {
    const before = tip();
    const r = await post(path, body, token);
    expect(r.status, r.text).toBe(status);
    const err = (JSON.parse(r.text) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe(code);
    expect(tip()).toBe(before);
    return err.message;
  };

  it('refuses project names differing only in case, at any level', async () => {
    const project = (name: string) => ({ kind: 'project', name, repoUrl: 'https://git.example/x' });
    expect(await refused(400, 'INVALID_NAME', '/v1/records', project('ACME/app'))).toMatch(/differs only in case/);
    expect(await refused(400, 'INVALID_NAME', '/v1/records', project('Acme/other'))).toMatch(/differs only in case/);
    expect(await refused(400, 'INVALID_NAME', '/v1/records', project('acme/App'))).toMatch(/differs only in case/);
  });

  it('refuses a one-segment project and one that would contain or sit inside another', async () => {
    const project = (name: string) => ({ kind: 'project', name, repoUrl: 'https://git.example/x' });
    expect(await refused(400, 'INVALID_NAME', '/v1/records', project('acme'))).toMatch(/at least two segments/);
    expect(await refused(400, 'INVALID_NAME', '/v1/records', project('acme/app/plugin'))).toMatch(/would sit inside project acme\/app/);
    const r = await post('/v1/records', project('acme/tools/cli'));
    expect(r.status, r.text).toBe(201);
    expect(await refused(400, 'INVALID_NAME', '/v1/records', project('acme/tools'))).toMatch(/would contain the existing project acme\/tools\/cli/);
  });

  it('refuses promotions to undeclared channels or ones differing only in case', async () => {
    const promotion = (channel: string) => ({ kind: 'promotion', project: 'app', channel, version: '1.0.0' });
    expect(await refused(404, 'NOT_FOUND', '/v1/records', promotion('stabel'))).toMatch(/unknown channel stabel; did you mean stable\?/);
    expect(await refused(400, 'INVALID_NAME', '/v1/records', promotion('Stable'))).toMatch(/differs only in case from the existing channel stable/);
    expect(await refused(404, 'NOT_FOUND', '/v1/records', promotion('evil-channel-1'))).toMatch(/meta channel add evil-channel-1/);
  });

  it('refuses instance reports for undeclared environments, channels, or malformed personal ones', async () => {
    const report = (env: string, channel?: string) => ({ env, status: 'running', ...(channel ? { channel } : {}) });
    const path = '/v1/projects/app/instances/h1/report';
    expect(await refused(404, 'NOT_FOUND', path, report('prd'), FLEET)).toMatch(/unknown environment prd; did you mean prod\?/);
    expect(await refused(404, 'NOT_FOUND', path, report('dev/mallory'), FLEET)).toMatch(/meta env add dev\/mallory/);
    expect(await refused(404, 'NOT_FOUND', path, report('prod', 'stabel'), FLEET)).toMatch(/unknown channel stabel/);
    for (const env of ['dev/secrets', 'dev/3f', 'dev/a/b', 'dev/..', 'Prod', 'dev/Alice']) {
      await refused(400, 'INVALID_NAME', path, report(env), FLEET);
    }
    const ok = await post(path, report('prod', 'stable'), FLEET);
    expect(ok.status, ok.text).toBe(201);
  });

  it('kept serving through all of it', async () => {
    const r = await rawRequest(serve.url, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(serve.alive()).toBe(true);
  });
});

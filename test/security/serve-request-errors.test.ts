import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, recordBinary, recordRelease } from '../../src/index.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import type { MetaErrorCode } from '../../src/errors/MetaError.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary, setSettings, sha, sha256 } from '../helpers/serveFixtures.js';
import { startServe, type ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest, type Res } from '../helpers/rawRequest.js';

/** The status of each error code, as README "meta serve" documents it. */
const STATUS: Record<MetaErrorCode, number> = {
  INVALID_ARGUMENT: 400, INVALID_NAME: 400, NOT_FOUND: 404, NOT_A_META_REPO: 500, ALREADY_EXISTS: 409, CONFLICT: 409,
  PRECONDITION_FAILED: 412, CORRUPT_RECORD: 500, INTEGRITY: 500, VERIFY_FAILED: 500, MAC_MISMATCH: 500, DIGEST_MISMATCH: 422,
  HISTORY_REWRITTEN: 409, LOCK_TIMEOUT: 503, REMOTE: 502, REPLICATION_FAILED: 502, AUTH: 401, NO_IDENTITY: 500, IO: 500, INTERNAL: 500,
};

const CI = 'ci-token-errors';
const FLEET = 'fleet-token-errors';

/**
 * An attacker (or a confused client) fires malformed and failing requests at every route of a real
 * `meta serve` process. Each must be answered as a JSON error with the status the README documents
 * for its code, and the process must keep serving: one bad request must never take the server
 * (and every follower's updates) down.
 */
describe('meta serve answers every failing request as a JSON error and keeps serving', () => {
  let tmp: ReturnType<typeof tempDir>;
  let serve: ServeProcess;
  const MAX_BODY = 4096;

  beforeAll(async () => {
    tmp = tempDir('meta-sec-errors-');
    const repo = await diskRepo(tmp.dir);
    await releaseWithBinary(repo, '1.0.0', 'one', 'https://dl.example/app-1.0.0');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    // A location a writer may record but an HTTP header cannot carry as is.
    await recordRelease(repo, { project: 'acme/app', version: '1.1.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('b') }] });
    await recordBinary(repo, { project: 'acme/app', version: '1.1.0', platform: 'linux/amd64', digest: sha256('two'), size: 3, urls: ['https://dl.example/€/app'] });
    await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.1.0' });
    await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(CI), scopes: ['records'] }, { name: 'fleet', sha256: hashToken(FLEET), scopes: ['reports'] }] } });
    repo.close();
    serve = await startServe(`${tmp.dir}/meta`, ['--no-webhooks', '--max-body', String(MAX_BODY)]);
  });
  afterAll(async () => {
    await serve?.stop();
    tmp?.cleanup();
  });

  const dl = '/v1/projects/acme/app/channels/stable/download';
  const rs = '/v1/projects/acme/app/channels/stable/resolve';
  const json = (token: string, body: string | Buffer, extra: Record<string, string> = {}) =>
    ({ body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra } });

  /** [name, method, path, options, expected status (undefined: any 4xx), expected code] */
  const cases: [string, string, string, Parameters<typeof rawRequest>[3], number | undefined, MetaErrorCode | undefined][] = [
    ['download without platform', 'GET', dl, {}, 400, 'INVALID_ARGUMENT'],
    ['download with an empty platform', 'GET', `${dl}?platform=`, {}, 400, 'INVALID_ARGUMENT'],
    ['download with platform=bad', 'GET', `${dl}?platform=bad`, {}, 400, 'INVALID_NAME'],
    ['download with a bad percent-escape in the query', 'GET', `${dl}?platform=%ZZ%E0%A4`, {}, 400, 'INVALID_NAME'],
    ['download for a platform with no binary', 'GET', `${dl}?platform=linux/arm64`, {}, 404, 'NOT_FOUND'],
    ['download of an unknown project', 'GET', '/v1/projects/acme/nope/channels/stable/download?platform=linux/amd64', {}, 404, 'NOT_FOUND'],
    ['download of an unknown channel', 'GET', '/v1/projects/acme/app/channels/nightly/download?platform=linux/amd64', {}, 404, 'NOT_FOUND'],
    ['download at=nonsense', 'GET', `${dl}?platform=linux/amd64&at=nonsense`, {}, undefined, undefined],
    ['download at=1970-01-01', 'GET', `${dl}?platform=linux/amd64&at=1970-01-01`, {}, undefined, undefined],
    ['download at=9999-99-99', 'GET', `${dl}?platform=linux/amd64&at=9999-99-99`, {}, undefined, undefined],
    ['download at an unknown full hash', 'GET', `${dl}?platform=linux/amd64&at=${'e'.repeat(40)}`, {}, undefined, undefined],
    ['download by POST', 'POST', `${dl}?platform=linux/amd64`, {}, 405, 'INVALID_ARGUMENT'],
    ['resolve without platform', 'GET', rs, {}, 400, 'INVALID_ARGUMENT'],
    ['resolve at=nonsense', 'GET', `${rs}?platform=linux/amd64&at=nonsense`, {}, undefined, undefined],
    ['resolve at=1970-01-01', 'GET', `${rs}?platform=linux/amd64&at=1970-01-01`, {}, undefined, undefined],
    ['resolve after=zz', 'GET', `${rs}?platform=linux/amd64&after=zz`, {}, 400, 'INVALID_ARGUMENT'],
    ['resolve of an unknown channel', 'GET', '/v1/projects/acme/app/channels/nightly/resolve?platform=linux/amd64', {}, 404, 'NOT_FOUND'],
    ['instances at=nonsense', 'GET', '/v1/projects/acme/app/instances?at=nonsense', {}, undefined, undefined],
    ['instances of an unknown project', 'GET', '/v1/projects/acme/nope/instances', {}, 404, 'NOT_FOUND'],
    ['events with an unknown type', 'GET', '/v1/events?types=bogus', {}, 400, 'INVALID_ARGUMENT'],
    ['events since garbage', 'GET', '/v1/events?since=garbage', {}, 400, 'INVALID_ARGUMENT'],
    ['events with a bad project filter', 'GET', '/v1/events?project=..', {}, 400, 'INVALID_NAME'],
    ['events with an unknown Last-Event-ID', 'GET', '/v1/events', { headers: { 'last-event-id': 'f'.repeat(40) } }, 409, 'HISTORY_REWRITTEN'],
    ['a truncated percent-escape in the path', 'GET', '/v1/projects/acme%2/channels/stable/resolve?platform=linux/amd64', {}, 400, 'INVALID_ARGUMENT'],
    ['an invalid UTF-8 escape in the path', 'GET', '/v1/projects/%E0%A4%A/channels/stable/download?platform=linux/amd64', {}, 400, 'INVALID_ARGUMENT'],
    ['a NUL in the path', 'GET', '/v1/projects/acme/app/channels/st%00able/download?platform=linux/amd64', {}, 400, 'INVALID_ARGUMENT'],
    ['traversal in the path', 'GET', '/v1/projects/acme/%2e%2e/channels/stable/download?platform=linux/amd64', {}, 400, 'INVALID_ARGUMENT'],
    ['an unknown route', 'GET', '/v2/anything', {}, 404, 'NOT_FOUND'],
    ['records without a token', 'POST', '/v1/records', { body: '{}', headers: { 'content-type': 'application/json' } }, 401, 'AUTH'],
    ['records with a form body', 'POST', '/v1/records', json(CI, 'kind=release', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'INVALID_ARGUMENT'],
    ['records as text/plain', 'POST', '/v1/records', json(CI, '{"kind":"project"}', { 'content-type': 'text/plain' }), 415, 'INVALID_ARGUMENT'],
    ['records with a content type that only starts like JSON', 'POST', '/v1/records', json(CI, '{"kind":"project"}', { 'content-type': 'application/jsonx' }), 415, 'INVALID_ARGUMENT'],
    ['records with truncated JSON', 'POST', '/v1/records', json(CI, '{"kind": "release", '), 400, 'INVALID_ARGUMENT'],
    ['records with a JSON array', 'POST', '/v1/records', json(CI, '[]'), 400, 'INVALID_ARGUMENT'],
    ['records with JSON null', 'POST', '/v1/records', json(CI, 'null'), 400, 'INVALID_ARGUMENT'],
    ['records with a JSON string', 'POST', '/v1/records', json(CI, '"release"'), 400, 'INVALID_ARGUMENT'],
    ['records with invalid UTF-8', 'POST', '/v1/records', json(CI, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'INVALID_ARGUMENT'],
    ['records with a __proto__ key', 'POST', '/v1/records', json(CI, '{"kind":"project","__proto__":{"x":1}}'), 400, 'INVALID_ARGUMENT'],
    ['records with a declared huge body', 'POST', '/v1/records', json(CI, 'x'.repeat(MAX_BODY + 1)), 413, 'INVALID_ARGUMENT'],
    ['records with a huge chunked body', 'POST', '/v1/records', json(CI, 'x'.repeat(MAX_BODY * 4), { 'transfer-encoding': 'chunked' }), 413, 'INVALID_ARGUMENT'],
    ['a binary with a negative size', 'POST', '/v1/records', json(CI, JSON.stringify({ kind: 'binary', project: 'acme/app', version: '1.0.0', platform: 'linux/arm64', digest: sha256('x'), size: -1, urls: ['https://x/y'] })), 400, 'INVALID_ARGUMENT'],
    ['a binary with a fractional size', 'POST', '/v1/records', json(CI, JSON.stringify({ kind: 'binary', project: 'acme/app', version: '1.0.0', platform: 'linux/arm64', digest: sha256('x'), size: 1.5, urls: ['https://x/y'] })), 400, 'INVALID_ARGUMENT'],
    ['a binary with a giant size', 'POST', '/v1/records', json(CI, '{"kind":"binary","project":"acme/app","version":"1.0.0","platform":"linux/arm64","digest":"' + sha256('x') + '","size":1e300,"urls":["https://x/y"]}'), 400, 'INVALID_ARGUMENT'],
    ['a record with a non-string actor', 'POST', '/v1/records', json(CI, JSON.stringify({ kind: 'project', name: 'acme/other', repoUrl: 'https://x/y', actor: 42 })), 400, 'INVALID_ARGUMENT'],
    ['a promotion of an unknown release', 'POST', '/v1/records', json(CI, JSON.stringify({ kind: 'promotion', project: 'acme/app', channel: 'stable', version: '9.9.9' })), 404, 'NOT_FOUND'],
    ['a report with bad JSON', 'POST', '/v1/projects/acme/app/instances/h1/report', json(FLEET, '{'), 400, 'INVALID_ARGUMENT'],
    ['a report without env', 'POST', '/v1/projects/acme/app/instances/h1/report', json(FLEET, '{"status":"running"}'), 400, 'INVALID_ARGUMENT'],
    ['a report for an unknown project', 'POST', '/v1/projects/acme/nope/instances/h1/report', json(FLEET, '{"env":"prod","status":"running"}'), 404, 'NOT_FOUND'],
    ['a report with the records token', 'POST', '/v1/projects/acme/app/instances/h1/report', json(CI, '{"env":"prod","status":"running"}'), 403, 'AUTH'],
  ];

  const check = (name: string, r: Res, status: number | undefined, code: MetaErrorCode | undefined) => {
    let body: { error?: { code?: string; message?: string } };
    try {
      body = JSON.parse(r.text);
    } catch {
      throw new Error(`${name}: answer is not JSON: ${r.status} ${r.text.slice(0, 200)}`);
    }
    expect(r.headers['content-type'], name).toMatch(/^application\/json/);
    const got = body.error?.code as MetaErrorCode;
    expect(typeof body.error?.message, name).toBe('string');
    expect(Object.keys(STATUS), name).toContain(got);
    if (code) expect(got, `${name}: ${r.text}`).toBe(code);
    if (status) expect(r.status, `${name}: ${r.text}`).toBe(status);
    else expect(r.status >= 400 && r.status < 500, `${name}: ${r.status} ${r.text}`).toBe(true);
    // The status is the one documented for the code (405, 413, 415 and 403 have their own).
    if (![403, 405, 413, 415].includes(r.status)) expect(r.status, `${name}: ${r.text}`).toBe(STATUS[got]);
  };

  it('answers each malformed or failing request with its JSON error and documented status', async () => {
    for (const [name, method, path, opts, status, code] of cases) {
      const r = await rawRequest(serve.url, method, path, opts).catch((e) => {
        throw new Error(`${name}: no answer (${(e as Error).message}); server alive: ${serve.alive()}; stderr: ${serve.err()}`);
      });
      check(name, r, status, code);
      expect(serve.alive(), `${name} killed the server: ${serve.err()}`).toBe(true);
    }
  });

  it('answers HEAD errors with the status and no crash', async () => {
    const r = await rawRequest(serve.url, 'HEAD', dl);
    expect(r.status).toBe(400);
    expect(serve.alive()).toBe(true);
  });

  it('redirects to a recorded location that holds non-ASCII, percent-encoded, instead of failing on the header', async () => {
    const r = await rawRequest(serve.url, 'GET', '/v1/projects/acme/app/channels/beta/download?platform=linux/amd64');
    expect(r.status, r.text).toBe(302);
    expect(r.headers.location).toBe('https://dl.example/%E2%82%AC/app');
  });

  it('keeps serving after all of them: health, resolve and download still answer', async () => {
    const h = await rawRequest(serve.url, 'GET', '/healthz');
    expect(h.status).toBe(200);
    expect(JSON.parse(h.text).ok).toBe(true);
    const r = await rawRequest(serve.url, 'GET', `${rs}?platform=linux/amd64`);
    expect(r.status).toBe(200);
    const d = await rawRequest(serve.url, 'GET', `${dl}?platform=linux/amd64`);
    expect(d.status).toBe(302);
    expect(d.headers.location).toBe('https://dl.example/app-1.0.0');
    expect(serve.alive()).toBe(true);
    // Nothing went unhandled on the way.
    expect(serve.err()).not.toMatch(/unhandled|Uncaught|ERR_INVALID_CHAR/i);
  });
});

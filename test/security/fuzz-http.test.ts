// A bounded, seeded fuzz pass over every route of a real `meta serve` process: hostile paths,
// query values, methods, headers and bodies, with and without tokens. Whatever comes in, the
// server answers a JSON error with a documented 4xx status (never a 5xx for bad input), leaks no
// host path, stack trace or file content, and keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest, Agent } from 'node:http';
import { writeFileSync } from 'node:fs';
import { promote, setConfig } from '../../src/index.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary, setSettings } from '../helpers/serveFixtures.js';
import { startServe } from '../helpers/metaProcess.js';
import { mulberry32, pick, HOSTILE_STRINGS } from './fuzzValues.js';

const TOKEN = 'fuzz-records-token';
const REPORTS = 'fuzz-reports-token';
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

interface Res { status: number; type: string; text: string }

function send(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Res> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, method, path, headers, agent, timeout: 15_000 }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      // A stream (SSE) that opened is a success for this pass: read what came first and close it.
      if (type.startsWith('text/event-stream')) {
        res.once('data', () => res.destroy());
        setTimeout(() => res.destroy(), 200);
        res.on('close', () => resolve({ status: res.statusCode!, type, text: '' }));
        res.on('error', () => undefined);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer to ${method} ${path} within 15 s`)));
    r.on('error', reject);
    if (body) r.write(body);
    r.end();
  });
}

/** One random request; the generator sees every route, good and bad values mixed. */
/**
 * What is wrong with one answer: a 5xx, a 4xx without a JSON error body (`{error: {code}}`; with
 * `ofrep`, OFREP's `{errorCode}` too), or a marker of something that must never come back (host
 * paths, stacks, the bytes of host or git files; echoing the request's own value, say
 * '../../etc/passwd', is not a leak).
 */
function answerProblems(what: string, method: string, res: Res, leaks: readonly string[], ofrep = false): string[] {
  const out: string[] = [];
  if (res.status >= 500) out.push(`${what}: answered ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400 && method !== 'HEAD') {
    let code: unknown;
    try {
      const j = JSON.parse(res.text);
      code = j.error?.code ?? (ofrep ? j.errorCode : undefined);
    } catch {
      code = undefined;
    }
    if (typeof code !== 'string') out.push(`${what}: ${res.status} without a JSON error body: ${res.text.slice(0, 200)}`);
  }
  for (const leak of leaks) {
    if (res.text.includes(leak)) out.push(`${what}: the answer leaks '${leak}': ${res.text.slice(0, 300)}`);
  }
  return out;
}

type FuzzRequest = { method: string; path: string; headers: Record<string, string>; body?: Buffer };

/** Sends `reqs` over 6 connections at once; the problems of every answer, and whether the server died. */
async function sendAll(server: { url: string; child: { exitCode: number | null }; err(): string }, reqs: FuzzRequest[], leaks: readonly string[], ofrep = false): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      if (server.child.exitCode !== null) return; // reported once, below
      const r = reqs[next++]!;
      const what = `${r.method} ${r.path.slice(0, 200)}${r.body ? ` ${r.body.toString('utf8').slice(0, 120)}` : ''}`;
      try {
        problems.push(...answerProblems(what, r.method, await send(server.url, r.method, r.path, r.headers, r.body), leaks, ofrep));
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  if (server.child.exitCode !== null) problems.unshift(`the server exited (${server.child.exitCode}) after request ${next}: ${server.err().slice(0, 1500)}`);
  return problems;
}

function makeRequest(rnd: () => number, commit: string): { method: string; path: string; headers: Record<string, string>; body?: Buffer } {
  const v = () => {
    const x = pick(rnd, HOSTILE_STRINGS);
    try {
      return encodeURIComponent(x);
    } catch {
      return '%ED%A0%80'; // a lone surrogate cannot be percent-encoded as UTF-8: send its CESU-8 bytes
    }
  };
  const raw = () => pick(rnd, ['%00', '%zz', '%', '%2e%2e', '..', '.', '', '%2F', '%ED%A0%80', '%F0%9F%92%A9', 'a'.repeat(3000), '%C0%AE%C0%AE']);
  const seg = () => (rnd() < 0.5 ? v() : raw());
  const project = () => pick(rnd, ['acme%2Fapp', 'acme/app', 'app', 'nope%2Fnone', seg(), `${seg()}/${seg()}`]);
  const channel = () => pick(rnd, ['stable', 'beta', seg()]);
  const q = (names: string[]) => names.filter(() => rnd() < 0.6).map((n) => `${n}=${pick(rnd, [v(), raw(), 'linux/amd64', commit, commit.slice(0, 7), '1', '0', '-1', '1e9'])}`).join('&');
  const routes = [
    () => `/v1/projects/${project()}/channels/${channel()}/resolve?${q(['platform', 'at', 'wait', 'after'])}`,
    () => `/v1/projects/${project()}/channels/${channel()}/download?${q(['platform', 'at', 'location', 'region'])}`,
    () => `/v1/projects/${project()}/instances?${q(['env', 'at', 'channel'])}`,
    () => `/v1/events?${q(['project', 'channel', 'types', 'since'])}`,
    () => '/v1/records',
    () => `/v1/projects/${project()}/instances/${seg()}/report`,
    () => `/v1/projects/${project()}/channels?${q(['at'])}`,
    () => `/v1/projects/${project()}/channels/${channel()}/history?${q(['at', 'limit', 'cursor'])}`,
    () => `/v1/projects/${project()}/releases?${q(['at', 'limit', 'cursor'])}`,
    () => `/v1/projects/${project()}/releases/${seg()}?${q(['at'])}`,
    () => `/v1/diff?${q(['project', 'from', 'to'])}`,
    () => `/v1/log?${q(['project', 'at', 'limit', 'cursor'])}`,
    () => pick(rnd, [`/ui/${seg()}`, `/ui/assets/${seg()}`, `/ui/p/${seg()}/r/${seg()}`, '/ui', '/ui/']),
    () => pick(rnd, ['/healthz', '/metrics', '/', '/v1', '/v1/', '/v1/projects', `/${seg()}`, `/v1/projects/${project()}`, `//v1/records`, `/v1/records?${q(['x'])}`]),
    () => `/v1/projects/${project()}/config?${q(['env', 'channel', 'at', 'wait'])}&env=${pick(rnd, ['prod', 'dev', 'dev/ada', 'Prod', v(), raw()])}`,
    () => `/v1/projects/${project()}/channels/${channel()}/resolve?platform=linux/amd64&include=${pick(rnd, ['config', 'config,flags', 'config,config', v(), raw()])}&${q(['env', 'at', 'wait', 'config-secrets'])}${rnd() < 0.5 ? '&config-secrets=encrypted&env=prod' : ''}`,
    () => `/v1/projects/${project()}/channels/${channel()}/resolve?platform=linux/amd64&${q(['host', 'at', 'after'])}`,
  ];
  const path = pick(rnd, routes)();
  const method = rnd() < 0.8 ? (path.includes('/report') || path.startsWith('/v1/records') ? 'POST' : 'GET') : pick(rnd, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE']);
  const headers: Record<string, string> = {};
  const auth = rnd();
  if (auth < 0.45) headers.authorization = `Bearer ${path.includes('/report') ? REPORTS : TOKEN}`;
  else if (auth < 0.6) headers.authorization = pick(rnd, ['Bearer ', 'Bearer x', 'Basic Zm9vOmJhcg==', `Bearer ${'t'.repeat(5000)}`, 'bearer fuzz-records-token']);
  if (rnd() < 0.2) headers['if-none-match'] = pick(rnd, [`"${commit}"`, '*', '"', 'W/"x"', v()]);
  if (rnd() < 0.1) headers['last-event-id'] = pick(rnd, [commit, 'nonsense', '', '../../etc/passwd']);
  let body: Buffer | undefined;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    headers['content-type'] = rnd() < 0.85 ? 'application/json' : pick(rnd, ['text/plain', 'application/json; charset=latin1', 'multipart/form-data', '']);
    body = Buffer.from(makeBody(rnd));
  }
  return { method, path, headers, body };
}

function makeBody(rnd: () => number): string {
  const s = () => pick(rnd, HOSTILE_STRINGS);
  const val = (): unknown => pick(rnd, [s(), 1, -1, 2 ** 53 + 1, 1e309, null, true, [], {}, [s()], { a: s() }, 'linux/amd64', 'sha256:' + 'a'.repeat(64)]);
  const kinds = ['project', 'release', 'binary', 'promotion', 'rollback', 'hold', 'unhold', 'yank', 'event', 'approval', 'verification', s()];
  const fields = ['kind', 'name', 'project', 'version', 'channel', 'platform', 'digest', 'size', 'urls', 'sources', 'imports', 'notes', 'labels', 'reason', 'actor', 'repoUrl', 'env', 'status', 'host', 'metaCommit', 'message', '__proto__', 'constructor', 'prototype'];
  const r = rnd();
  if (r < 0.08) return pick(rnd, ['', '{', '{"kind":', '[]', 'null', '"x"', '1', '{"a":1}{"b":2}', '\u0000', '{"kind":"release","notes":"\\ud800"}', '{"kind":"release","notes":"\\udfff\\ud800"}']);
  if (r < 0.12) return `${'['.repeat(5000)}${']'.repeat(5000)}`;
  if (r < 0.14) return JSON.stringify({ kind: 'release', notes: 'x'.repeat(2 * 1024 * 1024) });
  const o: Record<string, unknown> = { kind: pick(rnd, kinds) };
  for (const f of fields) if (rnd() < 0.35) o[f] = f === 'sources' ? [{ url: s(), commit: pick(rnd, ['a'.repeat(40), s()]) }] : val();
  return JSON.stringify(o);
}

describe('fuzz: every HTTP route of a real meta serve', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: Awaited<ReturnType<typeof startServe>>;
  let commit = '';

  beforeAll(async () => {
    tmp = tempDir('meta-fuzz-http-');
    const repo = await diskRepo(tmp.dir);
    writeFileSync(`${tmp.dir}/app-1.0.0`, 'binary one');
    await releaseWithBinary(repo, '1.0.0', 'binary one', 'https://files.example/app-1.0.0');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LOG_LEVEL: 'info' }, json: { LIMITS: '{"rps":1}' } });
    commit = await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(TOKEN) }, { name: 'fleet', sha256: hashToken(REPORTS), scopes: ['reports'] }] } });
    repo.close();
    server = await startServe(`${tmp.dir}/meta`, ['--json', '--max-wait', '1', '--max-body', '1048576', '--no-webhooks']);
  });
  afterAll(async () => {
    await server?.stop();
    agent.destroy();
    tmp?.cleanup();
  });

  it('600 seeded requests: no 5xx, no leak, JSON errors, and the server keeps serving', async () => {
    const rnd = mulberry32(0x5eed);
    const reqs = Array.from({ length: 600 }, () => makeRequest(rnd, commit));
    const problems = await sendAll(server, reqs, [tmp.dir, '    at ', 'node:internal', 'root:x:0', 'repositoryformatversion', 'ENOENT', 'EACCES']);
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
    const health = await send(server.url, 'GET', '/healthz', {});
    expect(health.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(server.err()).not.toMatch(/uncaught|unhandled/i);
  }, 240_000);
});

// The pipeline routes: hostile projects, `at` values and promote bodies, with and without a
// token. Whatever comes in, the answers are JSON errors with 4xx statuses, and the pipeline's
// command gate never runs (this server was not started with --allow-commands).
describe('fuzz: the pipeline routes of a real meta serve', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: Awaited<ReturnType<typeof startServe>>;
  let commit = '';
  let marker = '';
  // The marker lives apart from the repository: the pipeline (which names it) is served as it is.
  let markerDir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir('meta-fuzz-pipeline-');
    markerDir = tempDir('meta-fuzz-marker-');
    marker = `${markerDir.dir}/command-ran`;
    const repo = await diskRepo(tmp.dir);
    await releaseWithBinary(repo, '1.0.0', 'binary one', 'https://files.example/app-1.0.0');
    await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.0.0' });
    const { setPipeline } = await import('../../src/api/setPipeline.js');
    await setPipeline(repo, { project: 'acme/app', source: `stages:\n  - channel: beta\n  - channel: stable\n    gates:\n      - approvals: { count: 1 }\n      - command: { run: "touch ${marker}" }\nvalidate: "touch ${marker}"\n` });
    commit = await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(TOKEN), scopes: ['records'] }, { name: 'fleet', sha256: hashToken(REPORTS), scopes: ['reports'] }] } });
    repo.close();
    server = await startServe(`${tmp.dir}/meta`, ['--json', '--no-webhooks']);
  });
  afterAll(async () => {
    await server?.stop();
    tmp?.cleanup();
    markerDir?.cleanup();
  });

  it('300 seeded requests: no 5xx, no leak, JSON errors, no command run', async () => {
    const rnd = mulberry32(0x919e);
    const v = () => {
      try {
        return encodeURIComponent(pick(rnd, HOSTILE_STRINGS));
      } catch {
        return '%ED%A0%80';
      }
    };
    const project = () => pick(rnd, ['acme/app', 'acme%2Fapp', 'app', 'acme/app/pipeline', 'pipeline', `${v()}/${v()}`, 'acme/..', '%2e%2e/x']);
    const at = () => pick(rnd, ['', `at=${commit}`, `at=${commit.slice(0, 7)}`, `at=${v()}`, 'at=2026-01-01', 'at=-1', 'at=HEAD~999', `at=${'9'.repeat(400)}`]);
    const body = () => {
      if (rnd() < 0.1) return pick(rnd, ['', '{', '[]', 'null', '{"version":"1.0.0","to":"stable"}{}']);
      const o: Record<string, unknown> = {};
      for (const [k, vals] of Object.entries({ version: ['1.0.0', '9.9.9', pick(rnd, HOSTILE_STRINGS), 1, null], to: ['stable', 'beta', 'nope', pick(rnd, HOSTILE_STRINGS), []], force: [true, false, 'yes'], reason: ['x', pick(rnd, HOSTILE_STRINGS), {}], expect: ['none', '1.0.0', 7], run: ['touch /tmp/x'], __proto__: [{ force: true }] })) {
        if (rnd() < 0.6) o[k] = pick(rnd, vals as unknown[]);
      }
      return JSON.stringify(o);
    };
    const problems: string[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = pick(rnd, ['show', 'status', 'promote', 'promote']);
      const path = `/v1/projects/${project()}/pipeline${kind === 'show' ? '' : `/${kind}`}${kind === 'promote' ? '' : `?${at()}`}`;
      const method = rnd() < 0.85 ? (kind === 'promote' ? 'POST' : 'GET') : pick(rnd, ['GET', 'POST', 'PUT', 'DELETE', 'HEAD']);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const a = rnd();
      if (a < 0.5) headers.authorization = `Bearer ${TOKEN}`;
      else if (a < 0.6) headers.authorization = `Bearer ${REPORTS}`;
      const b = method === 'POST' || method === 'PUT' ? Buffer.from(body()) : undefined;
      const what = `${method} ${path.slice(0, 200)}${b ? ` ${b.toString('utf8').slice(0, 120)}` : ''}`;
      let res: Res;
      try {
        res = await send(server.url, method, path, headers, b);
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
        continue;
      }
      problems.push(...answerProblems(what, method, res, [tmp.dir, '    at ', 'node:internal', 'ENOENT', 'EACCES']));
      if (res.status < 300 && method === 'POST') problems.push(`${what}: a promotion through gates that cannot pass was accepted: ${res.text.slice(0, 200)}`);
    }
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
    expect(server.child.exitCode).toBeNull();
  }, 240_000);
});

// The flag routes: …/flags (flagd sync) and OFREP under a channel. OFREP answers its own error
// shape ({key?, errorCode, errorDetails}); everything else stays as above.
describe('fuzz: the flag routes of a real meta serve', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: Awaited<ReturnType<typeof startServe>>;
  let commit = '';

  beforeAll(async () => {
    tmp = tempDir('meta-fuzz-flags-');
    const repo = await diskRepo(tmp.dir);
    const { importFlags } = await import('../../src/index.js');
    const flags = {
      $evaluators: { staff: { ends_with: [{ var: 'email' }, '@acme.com'] } },
      flags: {
        a: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'staff' }, 'on', null] } },
        b: { state: 'ENABLED', variants: { x: 'x', y: 'y' }, defaultVariant: 'x', targeting: { fractional: [['x', 50], ['y', 50]] } },
        c: { state: 'DISABLED', variants: { n: 1 }, defaultVariant: 'n' },
      },
    };
    commit = (await importFlags(repo, { project: 'acme/app', channel: 'stable', document: JSON.stringify(flags) })).commit;
    repo.close();
    server = await startServe(`${tmp.dir}/meta`, ['--json', '--max-wait', '1', '--max-body', '65536', '--no-webhooks']);
  });
  afterAll(async () => {
    await server?.stop();
    tmp?.cleanup();
  });

  it('400 seeded requests to …/flags and OFREP: no 5xx, no leak, JSON errors, still serving', async () => {
    const rnd = mulberry32(0xf1a9);
    const v = () => {
      try {
        return encodeURIComponent(pick(rnd, HOSTILE_STRINGS));
      } catch {
        return '%ED%A0%80';
      }
    };
    const key = () => pick(rnd, ['a', 'b', 'c', 'nope', v(), '%07', '%00', 'a%2Fb', 'x'.repeat(3000), '%ED%A0%80']);
    const channel = () => pick(rnd, ['stable', 'beta', 'nope', v()]);
    const context = (): unknown => pick(rnd, [{}, { targetingKey: pick(rnd, HOSTILE_STRINGS) }, { targetingKey: 5 }, { email: pick(rnd, HOSTILE_STRINGS) }, { $flagd: { flagKey: 'z' } }, { __proto__: { x: 1 } }, [], 'x', null, 1e309]);
    const body = (): string => pick(rnd, [
      JSON.stringify({ context: context() }), '', '{', 'null', '[]', '"x"', '{"context":', `{"context":${'['.repeat(4000)}${']'.repeat(4000)}}`,
      JSON.stringify({ context: { big: 'x'.repeat(70_000) } }), '{"context":{"k":"\\ud800"}}', '\u0000', JSON.stringify({ context: {}, extra: [1, 2] }),
    ]);
    const reqs = Array.from({ length: 400 }, () => {
      const r = rnd();
      const headers: Record<string, string> = {};
      if (rnd() < 0.3) headers['if-none-match'] = pick(rnd, ['"empty"', '*', '"', 'W/"x"', `"${commit}"`, v()]);
      if (r < 0.3) return { method: rnd() < 0.8 ? 'GET' : pick(rnd, ['POST', 'HEAD', 'DELETE']), path: `/v1/projects/acme%2Fapp/channels/${channel()}/flags${rnd() < 0.5 ? `?${pick(rnd, ['wait=1', 'wait=-1', 'wait=1e9', `at=${commit}`, `at=${v()}`, 'at=HEAD~99'])}` : ''}`, headers };
      headers['content-type'] = rnd() < 0.9 ? 'application/json' : pick(rnd, ['text/plain', 'application/json; charset=latin1', '']);
      const path = `/v1/projects/${pick(rnd, ['acme%2Fapp', 'app', 'nope%2Fx', v()])}/channels/${channel()}/ofrep/v1/evaluate/flags${r < 0.65 ? `/${key()}` : ''}`;
      const method = rnd() < 0.9 ? 'POST' : pick(rnd, ['GET', 'PUT', 'HEAD']);
      // Node's client sends a GET or HEAD body unframed (no chunking): a malformed request, not a test of the server.
      return { method, path, headers, body: method === 'POST' || method === 'PUT' ? Buffer.from(body()) : undefined };
    });
    const problems = await sendAll(server, reqs, [tmp.dir, '    at ', 'node:internal', 'repositoryformatversion', 'ENOENT', 'EACCES'], true);
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
    expect((await send(server.url, 'GET', '/healthz', {})).status).toBe(200);
    expect(server.err()).not.toMatch(/uncaught|unhandled/i);
  }, 240_000);
});

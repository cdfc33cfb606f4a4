import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChannel } from '../../src/api/addChannel.js';
import { promote } from '../../src/api/promote.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe, type ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest } from '../helpers/rawRequest.js';
import { diskRepo, releaseWithBinary, setSettings } from '../helpers/serveFixtures.js';

// The pipeline commands as a user runs them (real `meta` processes), and the pipeline routes of
// `meta serve`: a file refused with the path of its bad field, a promotion refused with exit 5
// listing the gates that did not pass and then forced, approvals and verifications, status at an
// older commit, and who may write over HTTP.

const CI = 'ci-token-for-pipelines';
let tmp: ReturnType<typeof tempDir>;
let dir = '';
let health: Server;
let healthUrl = '';
let answer = 503;
/** The commit that set pipeline v1. */
let firstPipeline = '';

const meta = (args: string[], opts: { actor?: string; cwd?: string } = {}) =>
  runMeta([...args, '--repo', dir], opts.actor ? { META_ACTOR: opts.actor } : {}, { cwd: opts.cwd });
const file = (name: string, text: string) => {
  const path = `${tmp.dir}/${name}`;
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  tmp = tempDir('meta-pipeline-cli-');
  health = createServer((_req, res) => res.writeHead(answer).end());
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', () => r()));
  healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`;
  const repo = await diskRepo(tmp.dir);
  dir = repo.dir;
  await addChannel(repo, { name: 'dev' });
  await releaseWithBinary(repo, '1.0.0', 'one', 'https://dl.example/app-1.0.0');
  await promote(repo, { project: 'acme/app', channel: 'dev', version: '1.0.0' });
  await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(CI), scopes: ['records'] }] } });
  repo.close();
});
afterAll(async () => {
  health?.closeAllConnections();
  await new Promise<void>((r) => (health ? health.close(() => r()) : r()));
  tmp?.cleanup();
});

describe('meta pipeline set / show', () => {
  it('refuses a bad file with exit 2 naming the field, appends a good one, shows any version with --at', async () => {
    const bad = file('bad.yaml', `stages:\n  - channel: dev\n  - channel: beta\n    gates:\n      - soak: 1s\n      - approvals: { count: 1 }\n      - http: { url: "${healthUrl}", timeout: 5x }\n`);
    const refused = await meta(['pipeline', 'set', 'acme/app', '--file', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/stages\[1\]\.gates\[2\]\.http\.timeout: '5x' is not a duration/);

    const v1 = file('v1.yaml', `stages:\n  - channel: dev\n    auto: true\n  - channel: beta\n    gates:\n      - http: { url: "${healthUrl}", timeout: 2s }\n      - approvals: { count: 2 }\n`);
    const set1 = await meta(['pipeline', 'set', 'acme/app', '--file', v1, '--json']);
    expect(set1.code, set1.stderr).toBe(0);
    const first = JSON.parse(set1.stdout) as { sequence: number; commit: string };
    expect(first).toMatchObject({ sequence: 1, changed: true });
    firstPipeline = first.commit;

    const v2 = file('v2.yaml', `stages:\n  - channel: dev\n    auto: true\n  - channel: beta\n    gates:\n      - http: { url: "${healthUrl}", timeout: 2s }\n      - approvals: { count: 2 }\n  - channel: stable\n    gates:\n      - command: { run: "./check.sh", timeout: 10s }\n`);
    expect((await meta(['pipeline', 'set', 'acme/app', '--file', v2])).stdout).toMatch(/^pipeline of acme\/app is now v2/);

    const shown = await meta(['pipeline', 'show', 'acme/app']);
    expect(shown.stdout).toMatch(/^# pipeline of acme\/app v2, set .* by test <test@example\.com>/);
    expect(shown.stdout).toContain('./check.sh');
    const old = JSON.parse((await meta(['pipeline', 'show', 'acme/app', '--at', first.commit, '--json'])).stdout) as { sequence: number; source: string; pipeline: { stages: unknown[] } };
    expect(old.sequence).toBe(1);
    expect(old.pipeline.stages).toHaveLength(2);
    expect(old.source).not.toContain('check.sh');
  });
});

describe('meta pipeline promote / approve / status', () => {
  let failedRound = '';

  it('refuses with exit 5 listing the gates that did not pass; approvals count each actor once', async () => {
    answer = 503;
    expect((await meta(['approve', 'acme/app', '1.0.0', '--channel', 'beta', '--comment', 'ok'], { actor: 'ada <ada@example.com>' })).code).toBe(0);
    expect((await meta(['approve', 'acme/app', '1.0.0', '--channel', 'beta'], { actor: 'ada <ada@example.com>' })).code).toBe(0);
    const r = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'beta']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/1\.0\.0 cannot enter beta: 2 gates did not pass: http #1 failed: GET http:\/\/127\.0\.0\.1:\d+\/healthz answered 503, not 200 .*approvals #2 pending: 1 of 2 approvals \(ada <ada@example\.com>\)/);
    const j = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'beta', '--json']);
    expect(j.code).toBe(5);
    const err = JSON.parse(j.stderr) as { error: { code: string; data: { gates: { type: string; state: string; evidence: Record<string, string> }[]; gatesCommit: string } } };
    expect(err.error.code).toBe('PRECONDITION_FAILED');
    expect(err.error.data.gates.map((g) => [g.type, g.state])).toEqual([['http', 'failed'], ['approvals', 'pending']]);
    expect(err.error.data.gates[0]!.evidence.status).toBe('503');
    failedRound = err.error.data.gatesCommit;

    const status = JSON.parse((await meta(['pipeline', 'status', 'acme/app', '--json'])).stdout) as { stages: { channel: string; candidate: { version: string } | null; gates: { type: string; state: string; detail: string }[] }[] };
    const beta = status.stages.find((s) => s.channel === 'beta')!;
    expect(beta.candidate).toEqual({ version: '1.0.0' });
    expect(beta.gates.map((g) => [g.type, g.state])).toEqual([['http', 'failed'], ['approvals', 'pending']]);
    const human = (await meta(['pipeline', 'status', 'acme/app'])).stdout;
    expect(human).toMatch(/stage beta \(manual, after dev\)\n {2}live {7}\(nothing\)\n {2}candidate {2}1\.0\.0\n {2}http {7}FAILED {3}GET .* answered 503/);
  });

  it('passes once the gates do; status --at shows the older evaluation', async () => {
    answer = 200;
    expect((await meta(['approve', 'acme/app', '1.0.0', '--channel', 'beta'], { actor: 'bob <bob@example.com>' })).code).toBe(0);
    const r = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'beta']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^promoted acme\/app beta 1\.0\.0 \(seq 1, was none\)\n {2}http passed: .* answered 200.*\n {2}approvals passed: 2 of 2 approvals/);
    const then = JSON.parse((await meta(['pipeline', 'status', 'acme/app', '--at', failedRound, '--json'])).stdout) as { commit: string; stages: { channel: string; live: unknown; gates: { type: string; state: string }[] }[] };
    expect(then.commit).toBe(failedRound);
    const beta = then.stages.find((s) => s.channel === 'beta')!;
    expect(beta.live).toBeNull();
    expect(beta.gates.map((g) => [g.type, g.state])).toEqual([['http', 'failed'], ['approvals', 'pending']]);
  });

  it('command gates run only with --allow-commands, in the invoking directory; --force --reason overrides and is recorded', async () => {
    const script = file('check.sh', '#!/bin/sh\necho "checked $META_VERSION on $META_CHANNEL"\n');
    chmodSync(script, 0o755);
    const refused = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'stable'], { cwd: tmp.dir });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/command #1 failed: '\.\/check\.sh' not run: commands from the pipeline run only with --allow-commands/);
    const noReason = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'stable', '--force'], { cwd: tmp.dir });
    expect(noReason.code).toBe(2);
    const forced = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'stable', '--force', '--reason', 'smoke run by hand', '--json'], { cwd: tmp.dir });
    expect(forced.code, forced.stderr).toBe(0);
    const out = JSON.parse(forced.stdout) as { promoted: boolean; promotion: { path: string } };
    expect(out.promoted).toBe(true);
    const rec = JSON.parse((await meta(['show', out.promotion.path, '--json'])).stdout) as { record: { forced: boolean; reason: string } };
    expect(rec.record.forced).toBe(true);
    expect(rec.record.reason).toMatch(/^forced past 1 gate that did not pass: smoke run by hand/);

    const ok = await meta(['verification', 'record', 'acme/app', '1.0.0', '--channel', 'stable', '--name', 'smoke', '--status', 'passed', '--url', 'https://ci.example/1', '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ name: 'smoke', status: 'passed', channel: 'stable' });
    const bad = await meta(['verification', 'record', 'acme/app', '1.0.0', '--channel', 'stable', '--name', 'smoke', '--status', 'maybe']);
    expect(bad.code).toBe(2);
    const log = (await meta(['log', '-n', '3', '--json'])).stdout;
    expect(log).toContain('"kind": "verification"');
  });

  it('runs an allowed command gate in the invoking directory', async () => {
    const p = file('v3.yaml', 'stages:\n  - channel: dev\n  - channel: beta\n    gates:\n      - command: { run: "./check.sh", timeout: 10s }\n');
    expect((await meta(['pipeline', 'set', 'acme/app', '--file', p])).code).toBe(0);
    const r = await meta(['pipeline', 'status', 'acme/app', '--json']);
    expect(JSON.parse(r.stdout).stages[1].candidate).toBeNull(); // 1.0.0 is live on beta already
    // Promoting the release live already writes no promotion, but the gates still run and are recorded.
    const run = await meta(['pipeline', 'promote', 'acme/app', '1.0.0', '--to', 'beta', '--allow-commands', '--json'], { cwd: tmp.dir });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { promoted: boolean; outcomes: { state: string; evidence: Record<string, string> }[] };
    expect(out.promoted).toBe(false);
    expect(out.outcomes[0]).toMatchObject({ state: 'passed', evidence: { exit_code: '0', output: 'checked 1.0.0 on beta' } });
  });
});

describe('meta serve: records and pipeline routes', () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe(dir, ['--no-webhooks']);
  });
  afterAll(async () => {
    await serve?.stop();
  });
  const post = (path: string, body: unknown, token?: string) =>
    rawRequest(serve.url, 'POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  it('POST /v1/records takes approval and verification with a records token, refuses without', async () => {
    const approval = { kind: 'approval', project: 'acme/app', version: '1.0.0', channel: 'stable', comment: 'over http' };
    expect((await post('/v1/records', approval)).status).toBe(401);
    const a = await post('/v1/records', approval, CI);
    expect(a.status, a.text).toBe(201);
    expect(JSON.parse(a.text)).toMatchObject({ actor: 'token:ci', channel: 'stable' });
    const v = await post('/v1/records', { kind: 'verification', project: 'acme/app', version: '1.0.0', channel: 'stable', name: 'e2e', status: 'failed', message: 'boom' }, CI);
    expect(v.status, v.text).toBe(201);
    const badStatus = await post('/v1/records', { kind: 'verification', project: 'acme/app', version: '1.0.0', channel: 'stable', name: 'e2e', status: 'meh' }, CI);
    expect(badStatus.status).toBe(400);
    const extra = await post('/v1/records', { ...approval, state: 'passed' }, CI);
    expect(extra.status).toBe(400);
  });

  it('GET pipeline and pipeline/status answer the CLI JSON; POST pipeline/promote needs a token and runs no command without --allow-commands', async () => {
    const show = await rawRequest(serve.url, 'GET', '/v1/projects/acme/app/pipeline');
    expect(show.status).toBe(200);
    expect(JSON.parse(show.text)).toMatchObject({ project: 'acme/app', sequence: 3 });
    const old = await rawRequest(serve.url, 'GET', `/v1/projects/acme%2Fapp/pipeline?at=${firstPipeline}`);
    expect(JSON.parse(old.text)).toMatchObject({ sequence: 1, commit: firstPipeline });
    const before = await rawRequest(serve.url, 'GET', `/v1/projects/acme/app/pipeline/status?at=${firstPipeline}~1`);
    expect(before.status).toBe(404);
    const st = await rawRequest(serve.url, 'GET', '/v1/projects/acme/app/pipeline/status');
    expect(st.status).toBe(200);
    expect(JSON.parse(st.text).stages.map((s: { channel: string }) => s.channel)).toEqual(['dev', 'beta']);
    expect((await post('/v1/projects/acme/app/pipeline/promote', { version: '1.0.0', to: 'beta' })).status).toBe(401);
    const r = await post('/v1/projects/acme/app/pipeline/promote', { version: '1.0.0', to: 'beta' }, CI);
    expect(r.status).toBe(412);
    expect(JSON.parse(r.text).error.message).toMatch(/only with --allow-commands/);
    expect((await rawRequest(serve.url, 'GET', '/v1/projects/acme/app/pipeline/promote')).status).toBe(405);
    expect((await rawRequest(serve.url, 'GET', '/v1/projects/acme/nope/pipeline')).status).toBe(404);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChannel } from '../../src/api/addChannel.js';
import { addProject } from '../../src/api/addProject.js';
import { advanceWave } from '../../src/api/advanceWave.js';
import { evaluateStage } from '../../src/api/evaluateStage.js';
import { listEvents } from '../../src/api/events.js';
import { showChannel } from '../../src/api/showChannel.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { pipelineStatus } from '../../src/api/pipelineStatus.js';
import { promote } from '../../src/api/promote.js';
import { promoteThroughPipeline } from '../../src/api/promoteThroughPipeline.js';
import { readPipeline } from '../../src/api/readPipeline.js';
import { recordApproval } from '../../src/api/recordApproval.js';
import { recordBinary } from '../../src/api/recordBinary.js';
import { recordRelease } from '../../src/api/recordRelease.js';
import { recordVerification } from '../../src/api/recordVerification.js';
import { reportInstance } from '../../src/api/reportInstance.js';
import { rollback } from '../../src/api/rollback.js';
import { setPipeline } from '../../src/api/setPipeline.js';
import { stageCandidate } from '../../src/api/stageCandidate.js';
import { yankRelease } from '../../src/api/yankRelease.js';
import { runCommand } from '../../src/api/gates/runCommand.js';
import { MetaError } from '../../src/errors/MetaError.js';
import { digest, memRepo, sha } from '../helpers/memRepo.js';

// Every gate type passes, fails and (where it has a clock) times out; evaluations are records that
// status reads back at any commit; a promotion through the pipeline is refused, then forced.

const P = 'acme/app';
const T0 = Date.parse('2026-05-01T10:00:00.000Z');

/** A repository with dev, beta and stable, releases 1.0.0 and 1.1.0 (with binaries), a settable clock and actor. */
async function fixture(pipeline: string): Promise<{ repo: MetaRepo; as: (actor: string) => MetaRepo; tick: (ms: number) => void }> {
  const { repo: base } = await memRepo('ada <ada@example.com>');
  let now = T0;
  const repo: MetaRepo = { ...base, clock: () => new Date(now) };
  await addChannel(repo, { name: 'dev' });
  await addProject(repo, { name: P, repoUrl: 'https://git.example/acme/app' });
  for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b']] as const) {
    now += 1000;
    await recordRelease(repo, { project: P, version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
    await recordBinary(repo, { project: P, version: v, platform: 'linux/amd64', digest: digest(c), size: 1, urls: [`https://dl.example/${v}`] });
  }
  await setPipeline(repo, { project: P, source: pipeline });
  return { repo, as: (actor) => ({ ...repo, actor }), tick: (ms) => { now += ms; } };
}

const stage = (gates: string, extra = '') => `stages:\n  - channel: dev\n  - channel: beta\n    gates:\n${gates}${extra}`;

async function only(repo: MetaRepo, version = '1.1.0', channel = 'beta', allow = false) {
  const e = await evaluateStage(repo, { project: P, version, channel, record: false, commands: { allow } });
  return e.outcomes[e.outcomes.length - 1]!;
}

/** A server on 127.0.0.1 whose answer the test sets: a status, or 'hang' (never answers). */
let server: Server;
let serverUrl = '';
let answer: number | 'hang' = 503;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (answer === 'hang') return;
    res.writeHead(answer, { 'content-type': 'text/plain' }).end('body never stored');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('approvals gate', () => {
  it('counts distinct actors: the same actor twice counts once', async () => {
    const { repo, as } = await fixture(stage('      - approvals: { count: 2 }\n'));
    await recordApproval(repo, { project: P, version: '1.1.0', channel: 'beta' });
    await recordApproval(repo, { project: P, version: '1.1.0', channel: 'beta', comment: 'again' });
    // Approvals of another release or channel do not count either.
    await recordApproval(as('bob <bob@example.com>'), { project: P, version: '1.0.0', channel: 'beta' });
    await recordApproval(as('bob <bob@example.com>'), { project: P, version: '1.1.0', channel: 'stable' });
    let o = await only(repo);
    expect(o).toMatchObject({ type: 'approvals', state: 'pending', evidence: { approvals: '1', required: '2' } });
    expect(o.detail).toBe('1 of 2 approvals (ada <ada@example.com>)');
    await recordApproval(as('bob <bob@example.com>'), { project: P, version: '1.1.0', channel: 'beta' });
    o = await only(repo);
    expect(o).toMatchObject({ state: 'passed', evidence: { approvals: '2' } });
  });
});

describe('verification gate', () => {
  it('is pending with none, follows the newest record of its name for this release and channel', async () => {
    const { repo, tick } = await fixture(stage('      - verification: { name: smoke }\n'));
    expect(await only(repo)).toMatchObject({ state: 'pending' });
    await recordVerification(repo, { project: P, version: '1.1.0', channel: 'beta', name: 'smoke', status: 'failed', message: '2 failures\nmore' });
    tick(1000);
    await recordVerification(repo, { project: P, version: '1.1.0', channel: 'beta', name: 'e2e', status: 'passed' });
    await recordVerification(repo, { project: P, version: '1.0.0', channel: 'beta', name: 'smoke', status: 'passed' });
    let o = await only(repo);
    expect(o).toMatchObject({ state: 'failed', evidence: { status: 'failed' } });
    expect(o.detail).toMatch(/smoke' failed .*: 2 failures$/);
    tick(1000);
    await recordVerification(repo, { project: P, version: '1.1.0', channel: 'beta', name: 'smoke', status: 'passed', url: 'https://ci.example/81' });
    o = await only(repo);
    expect(o).toMatchObject({ state: 'passed', evidence: { status: 'passed', url: 'https://ci.example/81' } });
  });
});

describe('soak gate', () => {
  it('is pending until the candidate has been live on after for long enough, then passes', async () => {
    const { repo, tick } = await fixture(stage('      - soak: 30m\n'));
    expect(await only(repo)).toMatchObject({ state: 'pending', detail: '1.1.0 is not live on dev' });
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    tick(10 * 60_000);
    const o = await only(repo);
    expect(o).toMatchObject({ state: 'pending', evidence: { soaked_seconds: '600', required_seconds: '1800' } });
    expect(o.detail).toBe('live on dev for 10m; 20m left of 30m');
    tick(20 * 60_000);
    expect(await only(repo)).toMatchObject({ state: 'passed', detail: 'live on dev for 30m (≥ 30m)' });
  });

  it('in waves, starts once the last wave on after is live', async () => {
    const { repo, tick } = await fixture(stage('      - soak: 30m\n'));
    await promote(repo, { project: P, channel: 'dev', version: '1.0.0' });
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0', rollout: { waves: [50, 100], intervalSeconds: 60, maxFailedPercent: 0 } });
    tick(60 * 60_000);
    expect(await only(repo)).toMatchObject({ state: 'pending', detail: '1.1.0 is rolling out on dev (wave 1 of 2, 50%)' });
    await advanceWave(repo, { project: P, channel: 'dev', expectWave: 0 });
    tick(29 * 60_000);
    expect(await only(repo)).toMatchObject({ state: 'pending', detail: 'live on all of dev for 29m; 1m left of 30m' });
    tick(60_000);
    expect(await only(repo)).toMatchObject({ state: 'passed' });
  });
});

describe('fleet gate', () => {
  it('pending without hosts or below the share, failed once the share cannot be reached, passed at it', async () => {
    const { repo, tick } = await fixture(stage('      - fleet: { percent: 50 }\n'));
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    expect(await only(repo)).toMatchObject({ state: 'pending', detail: 'no host reports on dev yet' });
    // A host's newest report is the one with the latest time: each comes a second after the last.
    const report = (host: string, status: string, version = '1.1.0', channel = 'dev') => (tick(1000), reportInstance(repo, { project: P, host, env: 'prod', channel, version, status }));
    await report('h1', 'installing');
    await report('h2', 'running', '1.0.0');
    await report('h3', 'running');
    await report('x1', 'running', '1.1.0', 'stable');
    expect(await only(repo)).toMatchObject({ state: 'pending', evidence: { hosts: '3', running: '1' } });
    await report('h1', 'failed');
    await report('h2', 'failed');
    const o = await only(repo);
    expect(o).toMatchObject({ state: 'failed', evidence: { hosts: '3', running: '1', failed: '2' } });
    expect(o.detail).toMatch(/cannot be reached/);
    await report('h1', 'running');
    await report('h2', 'running');
    expect(await only(repo)).toMatchObject({ state: 'passed', detail: '3 of 3 hosts on dev run 1.1.0 (100% ≥ 50%)' });
  });
});

describe('http gate', () => {
  const gate = (timeout: string, retries: number) => stage(`      - http: { url: "${serverUrl}/healthz?x=1", expect: 200, timeout: ${timeout}, retries: ${retries} }\n`);

  it('fails on another status after its retries, passes on the expected one', async () => {
    const { repo } = await fixture(gate('2s', 1));
    answer = 503;
    hits = 0;
    let o = await only(repo);
    expect(o).toMatchObject({ state: 'failed', evidence: { status: '503', tries: '2', expect: '200' } });
    expect(o.detail).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/healthz answered 503, not 200 \(2 tries/);
    expect(hits).toBe(2);
    answer = 200;
    o = await only(repo);
    expect(o).toMatchObject({ state: 'passed', evidence: { status: '200', tries: '1' } });
    expect(JSON.stringify(o)).not.toMatch(/body never stored/);
  });

  it('fails with a timeout when the server never answers, and when nothing listens', async () => {
    const { repo } = await fixture(gate('200ms', 0));
    answer = 'hang';
    let o = await only(repo);
    expect(o).toMatchObject({ state: 'failed', evidence: { error: 'timeout', tries: '1' } });
    expect(o.detail).toMatch(/gave no answer within 200 ms/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { repo: r2 } = await fixture(stage(`      - http: { url: "http://127.0.0.1:${port}/", timeout: 1s }\n`));
    o = await only(r2);
    expect(o).toMatchObject({ state: 'failed', evidence: { error: 'ECONNREFUSED' } });
  });
});

describe('command gate', () => {
  it('passes on exit 0 with the META_* variables and the release JSON', async () => {
    const { repo } = await fixture(stage('      - command: { run: \'echo "$META_PROJECT $META_CHANNEL $META_VERSION $META_RELEASE_GITHASH $META_COMMIT"; grep -c \\"version\\": "$META_RELEASE_JSON"\', timeout: 10s }\n'));
    const o = await only(repo, '1.1.0', 'beta', true);
    expect(o.state).toBe('passed');
    expect(o.evidence.exit_code).toBe('0');
    expect(o.evidence.output).toMatch(new RegExp(`^acme/app beta 1\\.1\\.0 [0-9a-f]{40} ${repo.store.tip()}\\n1$`));
  });

  it('fails on a non-zero exit with its last lines, control characters stripped', async () => {
    const { repo } = await fixture(stage(`      - command: { run: "printf 'ok\\\\n\\\\033[31mred\\\\033[0m\\\\n'; for i in $(seq 1 40); do echo line $i; done; echo broken >&2; exit 3" }\n`));
    const o = await only(repo, '1.1.0', 'beta', true);
    expect(o).toMatchObject({ state: 'failed', evidence: { exit_code: '3' } });
    expect(o.detail).toMatch(/exited 3: broken$/);
    expect(o.evidence.output!.split('\n')).toHaveLength(20);
    expect(o.evidence.output).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });

  it('kills the process group at the timeout and fails', async () => {
    const { repo } = await fixture(stage('      - command: { run: "echo started; sleep 30 & sleep 30", timeout: 300ms }\n'));
    const o = await only(repo, '1.1.0', 'beta', true);
    expect(o).toMatchObject({ state: 'failed', evidence: { signal: 'SIGKILL', timeout_ms: '300', output: 'started' } });
    expect(o.detail).toMatch(/ran longer than 300 ms and was killed/);
    expect(Number(o.evidence.duration_ms)).toBeLessThan(20_000);
  });

  it('fails without running when commands are not allowed', async () => {
    const { repo } = await fixture(stage('      - command: { run: "touch /tmp/should-not-exist-meta-gate" }\n'));
    const o = await only(repo, '1.1.0', 'beta', false);
    expect(o).toMatchObject({ state: 'failed', evidence: { allowed: 'false' } });
    expect(o.detail).toMatch(/only with --allow-commands/);
  });

  it('keeps output bounded and does not wait for a background child holding its output open', async () => {
    const big = await runCommand('head -c 5000000 /dev/zero | tr "\\0" x; echo; echo end', { timeoutMs: 20_000 });
    expect(big.exitCode).toBe(0);
    expect(big.output.length).toBeLessThanOrEqual(2001);
    expect(big.output.endsWith('end')).toBe(true);
    const bg = await runCommand('(sleep 30 &); echo done', { timeoutMs: 20_000 });
    expect(bg).toMatchObject({ exitCode: 0, timedOut: false, output: 'done' });
    expect(bg.durationMs).toBeLessThan(15_000);
  });

  it('runCommand runs in a fresh directory by default and in cwd when given', async () => {
    const r = await runCommand('pwd', { timeoutMs: 5000 });
    expect(r.output).toMatch(/meta-cmd-/);
    expect((await runCommand('pwd', { timeoutMs: 5000, cwd: '/' })).output).toBe('/');
  });
});

describe('validate', () => {
  it('runs before the gates; when it fails, the gates are not evaluated', async () => {
    const { repo } = await fixture(`${stage('      - approvals: { count: 1 }\n')}validate: "echo bad input >&2; exit 1"\n`);
    const e = await evaluateStage(repo, { project: P, version: '1.1.0', channel: 'beta', record: false, commands: { allow: true } });
    expect(e.outcomes).toEqual([expect.objectContaining({ index: -1, type: 'validate', state: 'failed', detail: "the pipeline's validate exited 1: bad input" })]);
    expect(e.passed).toBe(false);
  });
});

describe('stageCandidate', () => {
  it('first stage: the newest release with binaries newer than the live one; later stages: the release live on after', async () => {
    const { repo, tick } = await fixture(stage('      - soak: 1s\n'));
    const [dev, beta] = readPipeline(repo, P)!.stages;
    const cand = (s = dev!) => stageCandidate(repo, repo.store.snapshot(), P, s)?.version ?? null;
    expect(cand()).toBe('1.1.0');
    expect(cand(beta)).toBeNull();
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    expect(cand()).toBeNull();
    expect(cand(beta)).toBe('1.1.0');
    // A newer release without binaries is no candidate; with them it is.
    tick(1000);
    await recordRelease(repo, { project: P, version: '1.2.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('c') }] });
    expect(cand()).toBeNull();
    await recordBinary(repo, { project: P, version: '1.2.0', platform: 'linux/amd64', digest: digest('c'), size: 1, urls: ['https://dl.example/1.2.0'] });
    expect(cand()).toBe('1.2.0');
    // Rolled back from a stage: never its candidate again. Yanked: nowhere.
    await promote(repo, { project: P, channel: 'dev', version: '1.2.0' });
    await rollback(repo, { project: P, channel: 'dev' });
    expect(cand()).toBeNull();
    await promote(repo, { project: P, channel: 'beta', version: '1.0.0' });
    expect(cand(beta)).toBe('1.1.0');
    await yankRelease(repo, { project: P, version: '1.1.0', reason: 'broken' });
    expect(cand(beta)).toBeNull();
  });
});

describe('gate results and status', () => {
  it('one commit per round holds every result; status --at shows an older evaluation', async () => {
    answer = 503;
    const { repo, as, tick } = await fixture(stage(`      - http: { url: "${serverUrl}/h", timeout: 2s }\n      - approvals: { count: 1 }\n`));
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    const first = await evaluateStage(repo, { project: P, version: '1.1.0', channel: 'beta' });
    expect(first.outcomes.map((o) => o.state)).toEqual(['failed', 'pending']);
    const added = repo.store.log().entries().at(-1)!;
    expect(added.commit).toBe(first.recorded);
    expect(added.added.filter((p) => p.includes('/gates/beta/'))).toHaveLength(2);
    const events = listEvents(repo, { since: first.commit, types: ['gate.*'] });
    expect(events.map((e) => [e.type, e.channel, e.version, e.status]).sort()).toEqual([['gate.evaluated', 'beta', '1.1.0', 'failed'], ['gate.evaluated', 'beta', '1.1.0', 'pending']]);

    answer = 200;
    tick(1000);
    await recordApproval(as('bob <bob@example.com>'), { project: P, version: '1.1.0', channel: 'beta' });
    const second = await evaluateStage(repo, { project: P, version: '1.1.0', channel: 'beta', actor: 'captain' });
    expect(second.passed).toBe(true);
    expect(repo.store.readCommit(second.recorded!).author.name).toBe('captain');

    const now = pipelineStatus(repo, { project: P });
    const beta = now.stages.find((s) => s.channel === 'beta')!;
    expect(beta.candidate).toEqual({ version: '1.1.0' });
    expect(beta.gates.map((g) => [g.type, g.state, g.from])).toEqual([['http', 'passed', 'record'], ['approvals', 'passed', 'live']]);
    const then = pipelineStatus(repo, { project: P, at: first.recorded });
    const old = then.stages.find((s) => s.channel === 'beta')!;
    expect(old.gates.map((g) => [g.type, g.state])).toEqual([['http', 'failed'], ['approvals', 'pending']]);
    expect(old.gates[0]!.evidence).toMatchObject({ status: '503' });
    expect(then.stages[0]).toMatchObject({ channel: 'dev', live: { version: '1.1.0' }, candidate: null, held: false, rollout: null });
    // Before any evaluation: not evaluated yet.
    const before = pipelineStatus(repo, { project: P, at: first.commit }).stages[1]!;
    expect(before.gates[0]).toMatchObject({ type: 'http', state: 'pending', detail: 'not evaluated yet', from: 'none' });
  });
});

describe('promoteThroughPipeline', () => {
  it('refuses (PRECONDITION_FAILED) listing the gates that did not pass, then promotes forced with a reason', async () => {
    const { repo } = await fixture(stage('      - approvals: { count: 2 }\n      - verification: { name: smoke }\n'));
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    let err: MetaError | undefined;
    try {
      await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'beta' });
    } catch (e) {
      err = e as MetaError;
    }
    expect(err?.code).toBe('PRECONDITION_FAILED');
    expect(err?.message).toMatch(/^1\.1\.0 cannot enter beta: 2 gates did not pass: approvals #1 pending: 0 of 2 approvals; verification #2 pending/);
    expect((err?.data.gates as { type: string }[]).map((g) => g.type)).toEqual(['approvals', 'verification']);
    expect(() => showChannel(repo, { project: P, channel: 'beta' })).toThrow(/no channel 'beta'/);

    const noReason = await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'beta', force: true }).catch((e: MetaError) => e.code);
    expect(noReason).toBe('INVALID_ARGUMENT');

    const r = await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'beta', force: true, reason: 'hotfix' });
    expect(r.promoted).toBe(true);
    const rec = repo.reader.at(repo.store.snapshot(), r.promotion!.path, 'promotion')!.record;
    expect(rec.forced).toBe(true);
    expect(rec.reason).toMatch(/^forced past 2 gates that did not pass: hotfix; gates: approvals pending/);
  });

  it('promotes when every gate passes, with the gates in its reason, and runs on_promote only when allowed', async () => {
    const { repo } = await fixture(`${stage('      - approvals: { count: 1 }\n')}on_promote: 'echo "generated $META_VERSION for $META_CHANNEL"; exit 2'\n`);
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    await recordApproval(repo, { project: P, version: '1.1.0', channel: 'beta' });
    const r = await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'beta', commands: { allow: true } });
    expect(r.promoted).toBe(true);
    const rec = repo.reader.at(repo.store.snapshot(), r.promotion!.path, 'promotion')!.record;
    expect(rec.forced).toBe(false);
    expect(rec.reason).toBe('pipeline v1 gates passed: approvals passed (1 of 1 approval (ada <ada@example.com>)) [approvals=1 required=1]');
    expect(r.onPromote).toMatchObject({ state: 'failed', evidence: { exit_code: '2', output: 'generated 1.1.0 for beta' } });
    expect(r.warnings.join('\n')).toMatch(/on_promote exited 2.*the promotion stands/);
    const again = await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'beta' });
    expect(again).toMatchObject({ promoted: false, onPromote: undefined });
  });

  it('refuses a channel that is no stage, and a project without a pipeline', async () => {
    const { repo } = await fixture(stage('      - soak: 1s\n'));
    expect(await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'stable' }).catch((e: MetaError) => e.code)).toBe('NOT_FOUND');
    await addProject(repo, { name: 'acme/other', repoUrl: 'https://git.example/acme/other' });
    expect(await evaluateStage(repo, { project: 'acme/other', version: '1.0.0', channel: 'beta' }).catch((e: MetaError) => e.message)).toMatch(/has no pipeline; set one with 'meta pipeline set/);
  });
});

describe('setPipeline', () => {
  it('appends versions 1, 2 …, writes nothing for the text in force, and refuses undeclared channels', async () => {
    const { repo } = await fixture(stage('      - soak: 1s\n'));
    const same = await setPipeline(repo, { project: P, source: stage('      - soak: 1s\n') });
    expect(same).toMatchObject({ changed: false, sequence: 1 });
    const next = await setPipeline(repo, { project: P, source: stage('      - soak: 2s\n') });
    expect(next).toMatchObject({ changed: true, sequence: 2 });
    expect(readPipeline(repo, P)!.stages[1]!.gates).toEqual([{ type: 'soak', seconds: 2 }]);
    expect(readPipeline(repo, P, next.commit)!.sequence).toBe(2);
    const bad = await setPipeline(repo, { project: P, source: 'stages:\n  - channel: prod\n' }).catch((e: MetaError) => e.message);
    expect(bad).toMatch(/stages\[0\]\.channel: 'prod' is not a declared channel/);
  });
});

describe('events', () => {
  it('pipeline, approval and verification records are events with their project, version and channel', async () => {
    const { repo } = await fixture(stage('      - soak: 1s\n'));
    const since = repo.store.tip()!;
    await setPipeline(repo, { project: P, source: stage('      - soak: 2s\n') });
    await recordApproval(repo, { project: P, version: '1.1.0', channel: 'beta' });
    await recordVerification(repo, { project: P, version: '1.1.0', channel: 'beta', name: 'smoke', status: 'failed' });
    const evs = listEvents(repo, { since, project: 'app', types: ['pipeline.*', 'approval.recorded', 'verification.*'] });
    expect(evs.map((e) => [e.type, e.project, e.version ?? null, e.channel ?? null, e.status ?? null, e.sequence ?? null])).toEqual([
      ['pipeline.changed', P, null, null, null, 2],
      ['approval.recorded', P, '1.1.0', 'beta', null, null],
      ['verification.recorded', P, '1.1.0', 'beta', 'failed', null],
    ]);
    expect((evs[1]!.record as { header: { actor: string } }).header.actor).toBe('ada <ada@example.com>');
  });
});

describe('rollouts through the pipeline', () => {
  it("a promotion into a stage with rollout starts its first wave; status shows the wave", async () => {
    const { repo } = await fixture(`${stage('      - soak: 1s\n')}    rollout: { waves: [20, 100], interval: 15m, max_failed: 10% }\n`);
    await promote(repo, { project: P, channel: 'dev', version: '1.0.0' });
    // beta's first promotion has nothing to fall back on: it reaches every host at once.
    const first = await promoteThroughPipeline(repo, { project: P, version: '1.0.0', to: 'beta', force: true, reason: 'bootstrap' });
    expect(repo.reader.at(repo.store.snapshot(), first.promotion!.path, 'promotion')!.record.rollout).toBeNull();
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    const r = await promoteThroughPipeline(repo, { project: P, version: '1.1.0', to: 'beta', force: true, reason: 'soak skipped in a test' });
    expect(repo.reader.at(repo.store.snapshot(), r.promotion!.path, 'promotion')!.record.rollout).toEqual({ waves: [20, 100], waveIntervalSeconds: 900, wave: 0, maxFailedPercent: 10 });
    const beta = pipelineStatus(repo, { project: P }).stages[1]!;
    expect(beta).toMatchObject({ live: { version: '1.1.0' }, rollout: { wave: 0, percent: 20 } });
  });
});

describe("evaluateStage record: 'changes'", () => {
  it('appends only the results whose state changed since the newest recorded one', async () => {
    answer = 503;
    const { repo, tick } = await fixture(stage(`      - http: { url: "${serverUrl}/h", timeout: 2s }\n      - approvals: { count: 1 }\n`));
    await promote(repo, { project: P, channel: 'dev', version: '1.1.0' });
    const first = await evaluateStage(repo, { project: P, version: '1.1.0', channel: 'beta', record: 'changes' });
    expect(repo.store.log().entries().at(-1)!.added).toHaveLength(2);
    tick(1000);
    const same = await evaluateStage(repo, { project: P, version: '1.1.0', channel: 'beta', record: 'changes' });
    expect(same.recorded).toBeUndefined();
    expect(repo.store.tip()).toBe(first.recorded);
    answer = 200;
    tick(1000);
    const changed = await evaluateStage(repo, { project: P, version: '1.1.0', channel: 'beta', record: 'changes' });
    const added = repo.store.log().entries().at(-1)!;
    expect(added.commit).toBe(changed.recorded);
    expect(added.added).toHaveLength(1);
    expect(pipelineStatus(repo, { project: P }).stages[1]!.gates[0]).toMatchObject({ type: 'http', state: 'passed' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { META_BIN } from '../helpers/diskRepo.js';
import { servedWithTokens, sha } from '../helpers/serveFixtures.js';
import type { ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest } from '../helpers/rawRequest.js';

const CI = 'ci-token-actor';
const FLEET = 'fleet-token-actor';
const LINUS = 'Linus Torvalds <torvalds@linux-foundation.org>';

interface Shown { record: { header: { actor: string; labels: { key: string; value: string }[] } } }

/**
 * A token holder writes over the HTTP API claiming to be someone else. The record's actor and
 * the commit's author must be the token (whoever holds `ci` is accountable for what `ci` wrote);
 * the claim survives only as an `on-behalf-of` label that says what it is.
 */
describe('the actor of an HTTP API write is its token, not what the body claims', () => {
  let fixture: Awaited<ReturnType<typeof servedWithTokens>>;
  let serve: ServeProcess;
  let dir = '';

  beforeAll(async () => {
    fixture = await servedWithTokens('meta-sec-actor-', { records: CI, reports: FLEET });
    ({ serve, dir } = fixture);
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  const post = (path: string, body: unknown, token = CI) =>
    rawRequest(serve.url, 'POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  /** `meta show <path> --json`, the real CLI reading the repository. */
  const show = (path: string): Shown => {
    const r = spawnSync(process.execPath, [META_BIN, 'show', path, '--repo', dir, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Shown;
  };
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const label = (s: Shown, key: string) => s.record.header.labels.filter((l) => l.key === key).map((l) => l.value);

  it('a release posted with "actor": "Linus Torvalds <…>" is written by token:ci, on behalf of Linus', async () => {
    const r = await post('/v1/records', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('b') }], actor: LINUS });
    expect(r.status, r.text).toBe(201);
    const { path, commit } = JSON.parse(r.text) as { path: string; commit: string };
    const rec = show(path);
    expect(rec.record.header.actor).toBe('token:ci');
    expect(label(rec, 'on-behalf-of')).toEqual([LINUS]);
    // git log names the token as the author and committer of the commit, not Linus.
    const who = git('log', '-1', '--format=%an <%ae>%n%cn <%ce>', commit).trim().split('\n');
    for (const w of who) {
      expect(w).toMatch(/^token:ci </);
      expect(w).not.toMatch(/Linus|torvalds/);
    }
  });

  it('a promotion keeps the on-behalf-of claim too; a write without actor has none', async () => {
    const p = await post('/v1/records', { kind: 'promotion', project: 'acme/app', channel: 'stable', version: '2.0.0', actor: LINUS });
    expect(p.status, p.text).toBe(201);
    const pr = show(JSON.parse(p.text).path);
    expect(pr.record.header.actor).toBe('token:ci');
    expect(label(pr, 'on-behalf-of')).toEqual([LINUS]);
    const n = await post('/v1/records', { kind: 'release', project: 'acme/app', version: '2.1.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('c') }] });
    expect(n.status, n.text).toBe(201);
    const nr = show(JSON.parse(n.text).path);
    expect(nr.record.header.actor).toBe('token:ci');
    expect(label(nr, 'on-behalf-of')).toEqual([]);
  });

  it('refuses an on-behalf-of label set directly, and actors that could disguise themselves', async () => {
    const tip = git('rev-parse', 'HEAD').trim();
    const release = (extra: Record<string, unknown>) => ({ kind: 'release', project: 'acme/app', version: '3.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('d') }], ...extra });
    const bad = [
      JSON.stringify(release({ labels: { 'on-behalf-of': LINUS } })),
      JSON.stringify(release({ actor: 'Linus\nSigned-off-by: someone' })),
      JSON.stringify(release({ actor: 'Linus \u0007' })),
      JSON.stringify(release({ actor: 'Linus \u202etxt.exe' })),
      JSON.stringify(release({ actor: 'x'.repeat(300) })),
      JSON.stringify(release({ actor: ' Linus' })),
      // A lone surrogate, written as JSON escapes (it is not well-formed Unicode).
      JSON.stringify(release({ actor: 'LONE' })).replace('LONE', 'Linus \\ud800'),
    ];
    for (const body of bad) {
      const r = await post('/v1/records', body);
      expect(r.status, `${body}: ${r.text}`).toBe(400);
      expect(JSON.parse(r.text).error.code).toBe('INVALID_ARGUMENT');
    }
    expect(git('rev-parse', 'HEAD').trim()).toBe(tip);
  });

  it('concurrent writes of two tokens land in commits each authored by the token whose records they hold', async () => {
    const before = git('rev-parse', 'HEAD').trim();
    const writes = [
      ...Array.from({ length: 20 }, (_, i) => post(`/v1/projects/acme/app/instances/host-${i}/report`, { env: 'prod', status: 'running' }, FLEET)),
      ...Array.from({ length: 5 }, (_, i) => post('/v1/records', { kind: 'release', project: 'acme/app', version: `4.0.${i}`, sources: [{ url: 'https://git.example/acme/app', commit: sha(String(i)) }], actor: LINUS })),
    ];
    const res = await Promise.all(writes);
    expect(res.filter((r) => r.status !== 201).map((r) => r.text)).toEqual([]);
    // Each commit: its author, then the files it added.
    const log = git('log', '--format=@%an', '--name-only', '--diff-filter=A', `${before}..HEAD`);
    let author = '';
    let files = 0;
    for (const line of log.split('\n')) {
      if (line.startsWith('@')) author = line.slice(1);
      else if (line.includes('/instances/')) {
        expect(author, line).toBe('token:fleet');
        files++;
      } else if (line.includes('/releases/')) {
        expect(author, line).toBe('token:ci');
        files++;
      }
    }
    expect(files).toBe(25);
    const report = show(JSON.parse(res[0]!.text).path);
    expect(report.record.header.actor).toBe('token:fleet');
  });
});

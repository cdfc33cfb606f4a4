import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { addProject, initMeta, promote, recordBinary, recordRelease, resolveBinary, rollback, openMeta, diffChannel } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { encodeRecord, messageName } from '../../src/records/codec.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import { eventPath, instancePath } from '../../src/records/layout.js';
import type { RecordKind } from '../../src/records/types.js';
import { fsck, git, REPO_ROOT, tempDir } from '../helpers/diskRepo.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** A clock that advances one hour per write, from a fixed start, so dates between commits are exact. */
function hourly(start: string): () => Date {
  let t = Date.parse(start);
  return () => {
    const d = new Date(t);
    t += 3600_000;
    return d;
  };
}

describe('repositories boot-meta writes are ordinary git repositories', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    tmp = tempDir();
    repo = await initMeta({ dir: `${tmp.dir}/meta`, actor: 'Release Bot <bot@example.com>', env: {}, clock: hourly('2026-03-01T00:00:00Z') });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app', mainPath: 'main/server', owners: ['ada'] });
    writeFileSync(`${tmp.dir}/app-1`, 'binary one');
    writeFileSync(`${tmp.dir}/app-2`, 'binary two');
    await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: A }] });
    await recordBinary(repo, { project: 'acme/app', version: '1.0.0', platform: 'linux/amd64', file: `${tmp.dir}/app-1`, urls: [`file://${tmp.dir}/app-1`] });
    await recordRelease(repo, { project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: B }, { url: 'https://git.example/acme/lib', commit: C }] });
    await recordBinary(repo, { project: 'acme/app', version: '2.0.0', platform: 'linux/amd64', file: `${tmp.dir}/app-2`, urls: [`file://${tmp.dir}/app-2`] });
    commits.beforeA = repo.store.tip()!;
    commits.A = (await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0', reason: 'first' })).commit;
    commits.B = (await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' })).commit;
    commits.R = (await rollback(repo, { project: 'acme/app', channel: 'stable', reason: 'errors' })).commit;
  });
  afterAll(() => tmp.cleanup());

  it('passes git fsck --strict', () => {
    const r = fsck(repo.store.dir);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('has a git log that says what happened, authored by the actor', () => {
    const lines = git(['--git-dir', repo.store.dir, 'log', '--format=%an <%ae>|%s']).trim().split('\n');
    expect(lines[0]).toBe('Release Bot <bot@example.com>|rollback acme/app stable to 1.0.0 (seq 3)');
    expect(lines[1]).toBe('Release Bot <bot@example.com>|promote acme/app stable 2.0.0 (seq 2)');
    expect(lines.at(-1)).toBe('Release Bot <bot@example.com>|init meta repository');
    expect(lines).toHaveLength(9);
    // Every commit only adds files.
    const statuses = git(['--git-dir', repo.store.dir, 'log', '--format=', '--name-status', '--no-renames']).trim().split('\n').filter(Boolean);
    expect(statuses.every((l) => l.startsWith('A\t'))).toBe(true);
    // git sees the same tree as our snapshot.
    const ls = git(['--git-dir', repo.store.dir, 'ls-tree', '-r', '--name-only', 'HEAD']).trim().split('\n');
    expect(ls).toContain('projects/acme/app/project.pb');
    expect(ls.filter((p) => p.includes('/channels/stable/'))).toEqual([
      'projects/acme/app/channels/stable/00000/0000000001.pb',
      'projects/acme/app/channels/stable/00000/0000000002.pb',
      'projects/acme/app/channels/stable/00000/0000000003.pb',
    ]);
    expect(git(['--git-dir', repo.store.dir, 'cat-file', '-p', 'HEAD:hooks/pre-receive']).startsWith('#!/bin/sh')).toBe(true);
    expect(git(['--git-dir', repo.store.dir, 'ls-tree', 'HEAD', 'hooks/pre-receive']).startsWith('100755')).toBe(true);
  });

  it('travels in time by commit and by date', () => {
    const at = (spec: string) => resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64', at: spec }).release.version;
    expect(at(commits.A!)).toBe('1.0.0');
    expect(at(commits.B!)).toBe('2.0.0');
    expect(at(commits.R!)).toBe('1.0.0');
    expect(at(commits.B!.slice(0, 10))).toBe('2.0.0');
    expect(at('main~1')).toBe('2.0.0');
    // The clock gave write n the time 2026-03-01T00:00Z + n hours; A was write 7 (T06), B T07, R T08.
    const timeOf = (c: string) => new Date(Number(git(['--git-dir', repo.store.dir, 'show', '-s', '--format=%ct', c]).trim()) * 1000).toISOString();
    expect(timeOf(commits.A!)).toBe('2026-03-01T06:00:00.000Z');
    expect(at('2026-03-01T06:30:00Z')).toBe('1.0.0');
    expect(at('2026-03-01T07:00:00Z')).toBe('2.0.0');
    expect(at('2026-03-01T07:59:59Z')).toBe('2.0.0');
    expect(at('2026-03-01T09:30:00+01:00')).toBe('1.0.0');
    expect(at('2026-03-01')).toBe('1.0.0');
    expect(() => at('2026-03-01T05:30:00Z')).toThrow(/no live release|no channel/);
    expect(() => at('2026-02-01')).toThrow(/no commit at or before/);
    // Native git agrees on the commit at a date.
    expect(git(['--git-dir', repo.store.dir, 'rev-list', '-1', '--before=2026-03-01T07:30:00Z', 'HEAD']).trim()).toBe(commits.B);
    const d = diffChannel(repo, { project: 'acme/app', channel: 'stable', from: '2026-03-01T06:30:00Z', to: '2026-03-01T07:30:00Z' });
    expect(d.sources.map((s) => s.status).sort()).toEqual(['added', 'changed']);
  });

  it("lets git show records decoded through the .gitattributes diff driver (textconv: meta show --raw-stdin)", () => {
    const out = git(['--git-dir', repo.store.dir, '-c', `diff.meta-record.textconv=${process.execPath} ${REPO_ROOT}/bin/meta show --raw-stdin`,
      'log', '-1', '-p', '--format=%s', '--ext-diff', '--textconv', commits.R!]);
    expect(out).toContain('rollback acme/app stable to 1.0.0 (seq 3)');
    expect(out).toMatch(/\+\s+"action": "rollback"/);
    expect(out).toMatch(/\+\s+"reason": "errors"/);
  });

  it('reopens from disk with no cache and answers the same', () => {
    execFileSync('rm', ['-rf', `${repo.store.dir}/meta-cache`]);
    const again = openMeta({ dir: repo.dir, env: {} });
    expect(resolveBinary(again, { project: 'app', channel: 'stable', platform: 'linux/amd64', at: '2026-03-01T07:30:00Z' }).release.version).toBe('2.0.0');
  });

  it('decodes every record kind with protoc --decode', async () => {
    const kinds: RecordKind[] = ['project', 'release', 'binary', 'promotion', 'instance', 'event'];
    const when = new Date('2026-03-02T00:00:00Z');
    const header = (k: RecordKind) => makeHeader(k, 'protoc-test', when, [{ key: 'team', value: 'core' }]);
    const extra = {
      instance: encodeRecord('instance', { header: header('instance'), project: 'acme/app', host: 'web-1', environment: 'prod', channel: 'stable', release: { githash: A, version: '1.0.0' }, binaryDigest: `sha256:${'d'.repeat(64)}`, platform: { os: 'linux', arch: 'amd64', variant: '' }, metaCommit: commits.R!, status: 'running', message: 'ok' }),
      event: encodeRecord('event', { header: header('event'), type: 'deploy.started', project: 'acme/app', subject: 'web-1', message: 'rolling', attributes: [{ key: 'wave', value: '1' }], payload: '', payloadMediaType: '' }),
    };
    await repo.store.append(() => ({ files: [
      { path: instancePath('acme/app', 'prod', 'web-1', when), data: extra.instance },
      { path: eventPath(when), data: extra.event },
    ], message: 'protoc fixtures' }), { actor: 'protoc-test' });
    const tree = git(['--git-dir', repo.store.dir, 'ls-tree', '-r', '--name-only', 'HEAD']).trim().split('\n').filter((p) => p.endsWith('.pb'));
    const byKind = new Map<RecordKind, string>();
    for (const p of tree) {
      const k: RecordKind = p.includes('/instances/') ? 'instance' : p.startsWith('log/') ? 'event' : p.endsWith('project.pb') ? 'project' : p.endsWith('release.pb') ? 'release' : p.includes('/binaries/') ? 'binary' : 'promotion';
      if (!byKind.has(k)) byKind.set(k, p);
    }
    expect([...byKind.keys()].sort()).toEqual([...kinds].sort());
    for (const [kind, path] of byKind) {
      const bytes = execFileSync('git', ['--git-dir', repo.store.dir, 'cat-file', 'blob', `HEAD:${path}`]);
      const text = execFileSync('protoc', [`--decode=${messageName(kind)}`, `-I${REPO_ROOT}/proto`, ...['header', 'project', 'release', 'binary', 'promotion', 'instance', 'event'].map((f) => `meta/v1/${f}.proto`)], { input: bytes, cwd: `${REPO_ROOT}/proto`, encoding: 'utf8' });
      expect(text).toMatch(/schema_version: 1/);
      expect(text).toMatch(new RegExp(`kind: KIND_${kind === 'instance' ? 'INSTANCE_REPORT' : kind.toUpperCase()}`));
      if (kind === 'release') expect(text).toContain('commit: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"');
      if (kind === 'promotion') expect(text).toMatch(/sequence: 1\n[\s\S]*action: ACTION_PROMOTE/);
      if (kind === 'binary') expect(text).toMatch(/digest: "sha256:[0-9a-f]{64}"/);
      if (kind === 'instance') expect(text).toContain('status: INSTANCE_STATUS_RUNNING');
      if (kind === 'event') expect(text).toContain('type: "deploy.started"');
    }
  });
});

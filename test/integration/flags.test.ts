import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { addProject, importFlags, initMeta, listEvents, setFlag } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { evalFlag } from '../../src/api/evalFlag.js';
import { asyncCodeOf } from '../helpers/errorCode.js';
import { fsck, tempDir } from '../helpers/diskRepo.js';
import { runMeta } from '../helpers/metaProcess.js';

/** One hour later on each write, so every version has its own moment. */
function hourly(start: string): () => Date {
  let t = Date.parse(start);
  return () => {
    const d = new Date(t);
    t += 3600_000;
    return d;
  };
}

const toggle = (defaultVariant: string, extra: Record<string, unknown> = {}) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant, ...extra });

describe('meta flag', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let dir: string;
  const commits: string[] = [];
  const times: number[] = [];
  const meta = (...args: string[]) => runMeta(['--repo', dir, ...args]);
  const json = async (...args: string[]) => {
    const r = await meta(...args, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    tmp = tempDir();
    dir = `${tmp.dir}/meta`;
    repo = await initMeta({ dir, actor: 'Flag Bot <bot@example.com>', env: {}, clock: hourly('2026-03-01T00:00:00Z') });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    // Version 1: off for everyone; 2: on for everyone; 3: on for acme.com only.
    const v1 = await importFlags(repo, { project: 'acme/app', channel: 'stable', document: JSON.stringify({ flags: { 'new-ui': toggle('off'), banner: { state: 'ENABLED', variants: { a: 'hello', b: 'hi' }, defaultVariant: 'a' } } }) });
    const v2 = await setFlag(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui', variants: { on: true, off: false }, defaultVariant: 'on' });
    const v3 = await setFlag(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ ends_with: [{ var: 'email' }, '@acme.com'] }, 'on', null] } });
    for (const v of [v1, v2, v3]) {
      commits.push(v.commit);
      times.push(repo.store.readCommit(v.commit).committer.timestamp);
    }
    expect([v1.sequence, v2.sequence, v3.sequence]).toEqual([1, 2, 3]);
  });
  afterAll(() => tmp.cleanup());

  it('time travel: a flag changed twice evaluates to each version at each commit and at dates between', async () => {
    const ctx = JSON.stringify({ targetingKey: 'u1', email: 'bob@example.com' });
    const at = async (spec: string) => (await json('flag', 'eval', 'acme/app', 'new-ui', '--channel', 'stable', '--context', ctx, '--at', spec)) as { value: unknown; reason: string };
    expect(await at(commits[0]!)).toMatchObject({ value: false, reason: 'STATIC' });
    expect(await at(commits[1]!)).toMatchObject({ value: true, reason: 'STATIC' });
    expect(await at(commits[2]!)).toMatchObject({ value: false, reason: 'DEFAULT' });
    const date = (t: number) => new Date((t + 1800) * 1000).toISOString();
    expect(await at(date(times[0]!))).toMatchObject({ value: false, reason: 'STATIC' });
    expect(await at(date(times[1]!))).toMatchObject({ value: true, reason: 'STATIC' });
    expect(await at(date(times[2]!))).toMatchObject({ value: false, reason: 'DEFAULT' });
    // The library reads the same history.
    expect((await evalFlag(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui', at: commits[1]!, context: { email: 'x@acme.com' } })).value).toBe(true);
    expect((await evalFlag(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui', context: { email: 'x@acme.com' } })).reason).toBe('TARGETING_MATCH');
  });

  it('eval prints OpenFeature resolution details; an error answers the --default', async () => {
    expect(await json('flag', 'eval', 'acme/app', 'new-ui', '--channel', 'stable', '--context', '{"email":"a@acme.com"}')).toEqual({ key: 'new-ui', value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: {} });
    expect(await json('flag', 'eval', 'acme/app', 'gone', '--channel', 'stable', '--default', '"fallback"')).toMatchObject({ key: 'gone', value: 'fallback', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(await json('flag', 'eval', 'acme/app', 'banner', '--channel', 'stable', '--type', 'number', '--default', '7')).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    const human = await meta('flag', 'eval', 'acme/app', 'banner', '--channel', 'stable');
    expect(human.stdout).toBe('banner = "hello"\nvariant a, reason STATIC\n');
    const bad = await meta('flag', 'eval', 'acme/app', 'banner', '--channel', 'stable', '--context', '[1]');
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--context must be a JSON object/)]);
  });

  it('ls, show, history and export read the set at any moment', async () => {
    const ls = await json('flag', 'ls', 'acme/app', '--channel', 'stable');
    expect(ls).toMatchObject({ sequence: 3, flags: [{ key: 'banner', type: 'string', defaultVariant: 'a', targeting: false }, { key: 'new-ui', type: 'boolean', variants: ['off', 'on'], targeting: true }] });
    expect((await json('flag', 'show', 'acme/app', 'new-ui', '--channel', 'stable', '--at', commits[1]!)).flag).toEqual(toggle('on'));
    const h = await json('flag', 'history', 'acme/app', '--channel', 'stable');
    expect(h.map((e: { sequence: number; commit: string; changes: unknown }) => [e.sequence, e.commit, e.changes])).toEqual([
      [1, commits[0], [{ key: 'banner', status: 'added' }, { key: 'new-ui', status: 'added' }]],
      [2, commits[1], [{ key: 'new-ui', status: 'changed', fields: ['defaultVariant'] }]],
      [3, commits[2], [{ key: 'new-ui', status: 'changed', fields: ['defaultVariant', 'targeting'] }]],
    ]);
    expect((await json('flag', 'history', 'acme/app', '--channel', 'stable', '--key', 'banner')).map((e: { sequence: number }) => e.sequence)).toEqual([1]);
    const exported = await meta('flag', 'export', 'acme/app', '--channel', 'stable', '--at', commits[0]!);
    expect(JSON.parse(exported.stdout)).toEqual({ flags: { banner: { state: 'ENABLED', variants: { a: 'hello', b: 'hi' }, defaultVariant: 'a' }, 'new-ui': toggle('off') } });
    expect(exported.stdout).toContain('\n  "flags": {');
    // An exported set imports back as the same set: nothing written.
    writeFileSync(`${tmp.dir}/now.json`, (await meta('flag', 'export', 'acme/app', '--channel', 'stable')).stdout);
    expect(await json('flag', 'import', 'acme/app', '--channel', 'stable', '--file', `${tmp.dir}/now.json`)).toMatchObject({ changed: false, sequence: 3 });
  });

  it('meta diff shows the flags that changed between two moments', async () => {
    const d = await json('diff', 'acme/app', 'stable', commits[0]!, commits[2]!);
    // Version 1 and 3 both default to off: only the targeting differs.
    expect(d.flags).toEqual({ from: 1, to: 3, changes: [{ key: 'new-ui', status: 'changed', fields: ['targeting'] }], sets: [] });
    expect((await meta('diff', 'acme/app', 'stable', commits[0]!, commits[1]!)).stdout).toMatch(/flag {3}changed {2}new-ui \(defaultVariant\) \(flag set seq 1 -> 2\)/);
  });

  it('each version is a flags.changed event', () => {
    const evs = listEvents(repo, { types: ['flags.changed'], channel: 'stable' });
    expect(evs.map((e) => [e.commit, e.project, e.channel, e.sequence])).toEqual(commits.map((c, i) => [c, 'acme/app', 'stable', i + 1]));
    expect(listEvents(repo, { types: ['flags.*'], channel: 'beta' })).toEqual([]);
  });

  it('set, rm and import refuse what flagd would not load, and undeclared channels', async () => {
    const bad = await meta('flag', 'set', 'acme/app', 'x', '--channel', 'stable', '--variants', '{"a":1}', '--default-variant', 'b');
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/at \/flags\/x\/defaultVariant: defaultVariant names no variant/)]);
    const typo = await meta('flag', 'set', 'acme/app', 'x', '--channel', 'stabel', '--variants', '{"a":1}', '--default-variant', 'a');
    expect([typo.code, typo.stderr]).toEqual([3, expect.stringMatching(/unknown channel stabel; did you mean stable\?/)]);
    expect((await meta('flag', 'ls', 'acme/app', '--channel', 'stabel')).code).toBe(3);
    expect(await asyncCodeOf(setFlag(repo, { project: 'acme/app', channel: 'stable', key: 'k\u0007', variants: { a: 1 }, defaultVariant: 'a' }))).toBe('INVALID_ARGUMENT');
    const rm = await meta('flag', 'rm', 'acme/app', 'nope', '--channel', 'stable');
    expect([rm.code, rm.stderr]).toEqual([3, expect.stringMatching(/has no flag "nope"/)]);
    // A declared channel without flags reads as the empty set.
    expect(await json('flag', 'ls', 'acme/app', '--channel', 'beta')).toMatchObject({ sequence: 0, flags: [] });
    expect((await meta('flag', 'export', 'acme/app', '--channel', 'beta', '--json')).stdout).toBe('{"flags":{}}\n');
    const set = await json('flag', 'set', 'acme/app', 'limit', '--channel', 'beta', '--variants', '{"low":10,"high":100}', '--default-variant', 'low', '--state', 'DISABLED', '--metadata', '{"team":"core"}');
    expect(set).toMatchObject({ changed: true, sequence: 1 });
    expect(await json('flag', 'eval', 'acme/app', 'limit', '--channel', 'beta', '--default', '1')).toMatchObject({ value: 1, reason: 'DISABLED', flagMetadata: { team: 'core' } });
    expect(await json('flag', 'rm', 'acme/app', 'limit', '--channel', 'beta')).toMatchObject({ changed: true, sequence: 2 });
  });

  it('the history verifies and git fsck is clean', async () => {
    const v = await meta('verify');
    expect([v.code, v.stderr]).toEqual([0, '']);
    expect(fsck(dir).status).toBe(0);
  });
});

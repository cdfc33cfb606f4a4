import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META_BIN } from '../helpers/diskRepo.js';
import { cleanupTmp, git, tmp } from '../helpers/remoteFixtures.js';

// The attack: delete objects from a meta repository (a commit in the middle of the history, a
// tree, a record's blob) so that `meta verify` checks less than the whole history. Only the
// commits git lists in the `shallow` file may lack their parents; anything else missing is a
// violation, while a real shallow clone still verifies clean.

const ACTOR = 'e2e <e2e@example.com>';
let root = '';
let real = '';

function meta(args: string[], repo: string) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', env: { ...process.env, META_ACTOR: ACTOR, META_REPO: repo } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function metaOk(args: string[], repo: string): void {
  const r = meta(args, repo);
  if (r.code !== 0) throw new Error(`meta ${args.join(' ')} exited ${r.code}: ${r.err}`);
}

/** A copy of the real repository (loose objects and all) to damage. */
function copy(name: string): string {
  const dir = `${root}/${name}`;
  cpSync(real, dir, { recursive: true });
  return dir;
}

/** Deletes the loose object file of `oid` (the test fails if the object is not stored loose). */
function deleteObject(gitdir: string, oid: string): void {
  const path = `${gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
  expect(existsSync(path)).toBe(true);
  unlinkSync(path);
}

const rev = (gitdir: string, spec: string) => git(['--git-dir', gitdir, 'rev-parse', spec]).trim();

function violations(r: { out: string }): { commit: string; path: string; kind: string; message: string }[] {
  return (JSON.parse(r.out) as { violations: { commit: string; path: string; kind: string; message: string }[] }).violations;
}

beforeAll(() => {
  root = tmp('meta-missing-objects-');
  real = `${root}/real`;
  mkdirSync(`${root}/files`);
  writeFileSync(`${root}/files/app`, 'binary bytes');
  metaOk(['init'], real);
  metaOk(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], real);
  for (const [v, c] of [['1.0.0', '1'], ['1.1.0', '2'], ['1.2.0', '3']] as const) {
    metaOk(['release', 'record', 'app', '--version', v, '--source', `https://git.example/acme/app@${c.repeat(40)}`], real);
    metaOk(['binary', 'record', 'acme/app', v, '--platform', 'linux/amd64', '--file', `${root}/files/app`, '--url', 'https://dl.example/app'], real);
    metaOk(['channel', 'promote', 'app', 'stable', v], real);
  }
  expect(meta(['verify'], real).code).toBe(0);
});

afterAll(cleanupTmp);

describe('meta verify with objects deleted from the repository', () => {
  it('reports a deleted commit in the middle of the history as missing-object (exit 6), not as a shallow boundary', () => {
    const dir = copy('no-commit');
    const gone = rev(dir, 'main~4');
    const child = rev(dir, 'main~3');
    deleteObject(dir, gone);
    const r = meta(['verify', '--json'], dir);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.err).error.code).toBe('VERIFY_FAILED');
    const v = violations(r);
    expect(v.map((x) => [x.commit, x.kind])).toContainEqual([child, 'missing-object']);
    expect(v.find((x) => x.kind === 'missing-object')!.message).toContain(gone);
    expect(JSON.parse(r.out).shallow).toBe(false);
    expect(r.out + r.err).not.toContain(root); // no host paths
    const human = meta(['verify'], dir);
    expect(human.code).toBe(6);
    expect(human.out).toContain(`${child.slice(0, 12)} missing-object`);
    expect(human.out).not.toContain('history before the boundary not checked');
  });

  it('reports a deleted tree and a deleted record blob as missing-object (exit 6)', () => {
    const noTree = copy('no-tree');
    const tree = rev(noTree, 'main~2^{tree}');
    deleteObject(noTree, tree);
    let r = meta(['verify', '--json'], noTree);
    expect(r.code).toBe(6);
    let v = violations(r).filter((x) => x.kind === 'missing-object');
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toContain(tree);
    expect(r.out + r.err).not.toContain(root);

    const noBlob = copy('no-blob');
    const path = git(['--git-dir', noBlob, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'main~1', 'main']).trim().split('\n')[0]!;
    const blob = rev(noBlob, `main:${path}`);
    deleteObject(noBlob, blob);
    r = meta(['verify', '--json'], noBlob);
    expect(r.code).toBe(6);
    v = violations(r);
    expect(v.map((x) => [x.commit, x.kind, x.path])).toContainEqual([rev(noBlob, 'main'), 'missing-object', path]);
    expect(v.some((x) => x.kind === 'undecodable')).toBe(false);
  });

  it('still verifies a real `git clone --depth` shallow clone clean; without its shallow file the same clone fails', () => {
    const shallow = `${root}/shallow.git`;
    git(['clone', '-q', '--bare', '--depth', '3', `file://${real}`, shallow]);
    let r = meta(['verify', '--json'], shallow);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { ok: boolean; shallow: boolean; commits: number };
    expect(report).toMatchObject({ ok: true, shallow: true, commits: 3 });
    expect(meta(['verify'], shallow).out).toContain('shallow clone: history before the boundary not checked');

    // The boundary is what git lists, nothing else: forget it and the missing parent is damage.
    const boundary = rev(shallow, 'main~2');
    unlinkSync(`${shallow}/shallow`);
    r = meta(['verify', '--json'], shallow);
    expect(r.code).toBe(6);
    expect(violations(r).map((x) => [x.commit, x.kind])).toContainEqual([boundary, 'missing-object']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { git, tempDir } from '../helpers/diskRepo.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { gitBlob, plumbingCommit } from '../helpers/remoteFixtures.js';
import { runMeta, treeState } from './repoFixtures.js';

const ADD = ['project', 'add', 'acme/x', '--repo-url', 'https://git.example/acme/x', '--json'];

/** The error a refused command printed with --json. */
const errorOf = (r: { err: string }) => JSON.parse(r.err).error as { code: string; message: string; data: Record<string, unknown> };

describe('boot-meta writes only to repositories meta init / meta clone made', () => {
  const http = useGitHttpServer();
  let tmp: ReturnType<typeof tempDir>;
  let app: string;
  beforeAll(() => {
    tmp = tempDir('meta-sec-repo-');
    // An application checkout, as a developer has one.
    app = `${tmp.dir}/app`;
    git(['init', '-q', '-b', 'main', app]);
    writeFileSync(`${app}/main.go`, 'package main\n');
    git(['add', 'main.go'], { cwd: app });
    git(['commit', '-q', '-m', 'app'], { cwd: app });
  });
  afterAll(() => tmp.cleanup());

  it('refuses to commit into an application checkout (run inside it, or given its .git)', () => {
    const before = treeState(app);
    const head = git(['rev-parse', 'HEAD'], { cwd: app }).trim();
    const inside = runMeta(ADD, { cwd: app });
    expect(inside.code, inside.err).toBe(3);
    expect(errorOf(inside).code).toBe('NOT_A_META_REPO');
    expect(errorOf(inside).message).toContain('found a git repository with a working tree in the current directory');
    // The current directory was not given by the user: no host path in the message or data.
    expect(inside.err).not.toContain(tmp.dir);
    for (const repo of [app, `${app}/.git`]) {
      const r = runMeta([...ADD, '--repo', repo]);
      expect(r.code, `${repo}: ${r.err}`).toBe(3);
      expect(errorOf(r).code).toBe('NOT_A_META_REPO');
      expect(errorOf(r).message).toMatch(/working tree/);
    }
    const env = runMeta(ADD, { cwd: tmp.dir, env: { META_REPO: app } });
    expect(env.code).toBe(3);
    expect(git(['rev-parse', 'HEAD'], { cwd: app }).trim()).toBe(head);
    expect(treeState(app)).toEqual(before);
  });

  it('refuses an empty bare repository meta init never made, writing nothing', () => {
    const dir = `${tmp.dir}/empty.git`;
    git(['init', '-q', '--bare', '-b', 'main', dir]);
    const before = treeState(dir);
    const r = runMeta([...ADD, '--repo', dir]);
    expect(r.code, r.err).toBe(3);
    expect(errorOf(r).code).toBe('NOT_A_META_REPO');
    expect(errorOf(r).message).toContain('empty git repository');
    expect(treeState(dir)).toEqual(before);
  });

  it('refuses a bare repository whose tip has no meta.yaml, or a meta.yaml format it does not know', () => {
    const bare = `${tmp.dir}/app.git`;
    git(['clone', '-q', '--bare', app, bare]);
    const before = treeState(bare);
    const r = runMeta([...ADD, '--repo', bare]);
    expect(r.code, r.err).toBe(3);
    expect(errorOf(r).message).toContain('has no meta.yaml');
    expect(treeState(bare)).toEqual(before);

    const meta = `${tmp.dir}/future`;
    expect(runMeta(['init', meta]).code).toBe(0);
    plumbingCommit(meta, { put: { 'meta.yaml': gitBlob(meta, 'format: 7\nenvironments: [prod]\n') } }, 'written by a future boot-meta');
    const later = treeState(meta);
    const f = runMeta([...ADD, '--repo', meta]);
    expect(f.code, f.err).toBe(3);
    expect(errorOf(f).message).toContain('format 7');
    expect(treeState(meta)).toEqual(later);
  });

  it('still opens what meta init made, and a bare git clone of it', () => {
    const meta = `${tmp.dir}/real`;
    expect(runMeta(['init', meta]).code).toBe(0);
    expect(runMeta([...ADD, '--repo', meta]).code).toBe(0);
    const mirror = `${tmp.dir}/mirror.git`;
    git(['clone', '-q', '--bare', meta, mirror]);
    const r = runMeta(['project', 'add', 'acme/y', '--repo-url', 'https://git.example/acme/y', '--repo', mirror]);
    expect(r.code, r.err).toBe(0);
  });

  it('meta clone refuses a remote that is not a meta repository and leaves no directory behind; an empty target is fine', () => {
    git(['clone', '-q', '--bare', app, `${http.root}/app.git`]);
    const target = `${tmp.dir}/cloned-app`;
    const r = runMeta(['clone', http.server.url('app.git'), target, '--json']);
    expect(r.code, r.err).toBe(3);
    expect(errorOf(r).code).toBe('NOT_A_META_REPO');
    expect(existsSync(target)).toBe(false);

    const meta = `${tmp.dir}/origin`;
    expect(runMeta(['init', meta]).code).toBe(0);
    git(['clone', '-q', '--bare', meta, `${http.root}/meta.git`]);
    const empty = `${tmp.dir}/empty-target`;
    mkdirSync(empty);
    const ok = runMeta(['clone', http.server.url('meta.git'), empty, '--json']);
    expect(ok.code, ok.err).toBe(0);
    expect(runMeta([...ADD, '--repo', empty]).code).toBe(0);
  });
});

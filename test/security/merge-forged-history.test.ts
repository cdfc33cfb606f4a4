import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META_BIN } from '../helpers/diskRepo.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, git, tmp } from '../helpers/remoteFixtures.js';
import { fileServer } from '../helpers/serveFixtures.js';
import { spawnMeta, type MetaProcess } from '../helpers/metaProcess.js';

// The attack: a parentless root whose tree is a complete, consistent forged history (same project
// and version, another source commit and binary URL), merged with the real tip. Every commit of
// the real history stays an ancestor of the merge, so an "is it a descendant?" check that walks
// every parent accepts it, and a first-parent walk sees only the forgery.

const ACTOR = 'e2e <e2e@example.com>';
const REAL_SRC = '1'.repeat(40);
const FORGED_SRC = '6'.repeat(40);
const REAL_BYTES = 'the real binary 1.0.0';
const FORGED_BYTES = 'a forged binary, same version';
const sha256 = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

const http = useGitHttpServer();
let files: Awaited<ReturnType<typeof fileServer>>;
let root = '';
let real = ''; // the real meta repository (bare), written by meta processes
let forgeSrc = ''; // the attacker's own repository, whose tip tree is the forged history
let tip = '';

/** Runs the built `meta` executable as a user would. */
function meta(args: string[], repo?: string) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', env: { ...process.env, META_ACTOR: ACTOR, ...(repo ? { META_REPO: repo } : {}) } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function metaOk(args: string[], repo?: string): string {
  const r = meta(args, repo);
  if (r.code !== 0) throw new Error(`meta ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

/** meta init + the records a CI job writes, each a real `meta` process. */
function metaRepository(dir: string, sourceCommit: string, binaryFile: string): void {
  metaOk(['init'], dir);
  metaOk(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], dir);
  metaOk(['release', 'record', 'app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${sourceCommit}`], dir);
  metaOk(['binary', 'record', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--file', `${root}/files/${binaryFile}`, '--url', `${files.url}/${binaryFile}`], dir);
  metaOk(['channel', 'promote', 'app', 'stable', '1.0.0', '--expect', 'none'], dir);
}

/**
 * Copies the attacker's tree into `gitdir` object by object with git plumbing (`cat-file` ->
 * `hash-object -w`, `ls-tree` -> `mktree`), as someone without boot-meta would.
 */
function copyTree(gitdir: string, tree: string): string {
  const lines = git(['--git-dir', forgeSrc, 'ls-tree', tree]).split('\n').filter(Boolean);
  const out: string[] = [];
  for (const line of lines) {
    const [meta, name] = line.split('\t') as [string, string];
    const [mode, type, oid] = meta.split(' ') as [string, string, string];
    let copied: string;
    if (type === 'tree') copied = copyTree(gitdir, oid);
    else {
      const bytes = execFileSync('git', ['--git-dir', forgeSrc, 'cat-file', 'blob', oid]);
      copied = execFileSync('git', ['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { input: bytes, encoding: 'utf8' }).trim();
    }
    out.push(`${mode} ${type} ${copied}\t${name}`);
  }
  return git(['--git-dir', gitdir, 'mktree'], { input: `${out.join('\n')}\n` }).trim();
}

/**
 * Writes the forged history into `gitdir`: the tree T, a parentless root R holding it, and the
 * merge `commit-tree T -p R -p <tip>` (or, `tipFirst`, `-p <tip> -p R`). Refs are left alone.
 */
function forge(gitdir: string, opts: { tipFirst?: boolean } = {}): { tree: string; root: string; merge: string } {
  const tree = copyTree(gitdir, git(['--git-dir', forgeSrc, 'rev-parse', 'main^{tree}']).trim());
  const forgedRoot = git(['--git-dir', gitdir, 'commit-tree', tree, '-m', 'record acme/app 1.0.0']).trim();
  const parents = opts.tipFirst ? ['-p', tip, '-p', forgedRoot] : ['-p', forgedRoot, '-p', tip];
  const merge = git(['--git-dir', gitdir, 'commit-tree', tree, ...parents, '-m', 'merge']).trim();
  return { tree, root: forgedRoot, merge };
}

/** A bare repository served over git http-backend holding the real history (no hook: the server is the attacker's). */
function servedCopy(name: string): string {
  const dir = bareRepo(http.root, name);
  git(['--git-dir', real, 'push', '-q', dir, 'main:main']);
  return dir;
}

const rev = (gitdir: string, ref = 'main') => git(['--git-dir', gitdir, 'rev-parse', ref]).trim();

beforeAll(async () => {
  root = tmp('meta-merge-attack-');
  mkdirSync(`${root}/files`);
  writeFileSync(`${root}/files/app-real`, REAL_BYTES);
  writeFileSync(`${root}/files/app-forged`, FORGED_BYTES);
  files = await fileServer(`${root}/files`);
  real = `${root}/real`;
  metaRepository(real, REAL_SRC, 'app-real');
  forgeSrc = `${root}/forge`;
  metaRepository(forgeSrc, FORGED_SRC, 'app-forged');
  tip = rev(real);
  // The forgery is complete and consistent on its own: meta verify finds nothing wrong in it.
  expect(meta(['verify'], forgeSrc).code).toBe(0);
});

afterAll(async () => {
  await files?.close();
});

describe('a forged history merged with the real tip', () => {
  it('is refused by the pre-receive hook (merge and new root), while a first push into an empty repository still works', () => {
    const srv = bareRepo(http.root, 'hooked.git');
    metaOk(['hooks', 'install', srv]);
    const url = http.server.url('hooked.git');
    // meta's own first push brings the root commit into the empty repository: allowed.
    const pushClone = `${root}/pusher`;
    git(['clone', '-q', '--bare', real, pushClone]);
    metaOk(['remote', 'add', 'server', url], pushClone);
    metaOk(['push', 'server'], pushClone);
    expect(rev(srv)).toBe(tip);

    const attacker = `${root}/attacker.git`;
    git(['clone', '-q', '--bare', url, attacker]);
    const f = forge(attacker);
    const push = (refspec: string) => spawnSync('git', ['--git-dir', attacker, 'push', url, refspec], { encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

    let r = push(`${f.merge}:refs/heads/main`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`remote: meta: commit ${f.merge} has 2 parents (a merge)`);
    expect(r.stderr).toContain(`remote: meta: commit ${f.root} has no parent (a new root commit)`);
    expect(r.stderr).toContain('remote: meta: rejected update of refs/heads/main');

    // The other parent order, and the bare root on a branch of its own.
    const g = forge(attacker, { tipFirst: true });
    r = push(`${g.merge}:refs/heads/main`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`remote: meta: commit ${g.merge} has 2 parents (a merge)`);
    r = push(`${f.root}:refs/heads/forged`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`remote: meta: commit ${f.root} has no parent (a new root commit)`);

    expect(rev(srv)).toBe(tip);
    expect(git(['--git-dir', srv, 'for-each-ref', '--format=%(refname)'])).toBe('refs/heads/main\n');
  });

  it('is refused by meta pull (exit 7, naming the last accepted tip and the merge), and resolve keeps serving the real binary', () => {
    const srv = servedCopy('pull.git');
    const clone = `${root}/clone`;
    metaOk(['clone', http.server.url('pull.git'), clone]);
    const before = JSON.parse(metaOk(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--json'], clone));
    expect(before.binary.locations).toEqual([`${files.url}/app-real`]);

    // The server's branch moves to the merge (the attacker controls it; no hook there).
    const f = forge(srv);
    git(['--git-dir', srv, 'update-ref', 'refs/heads/main', f.merge, tip]);
    let r = meta(['pull', '--json'], clone);
    expect(r.code).toBe(7);
    const err = JSON.parse(r.err).error;
    expect(err.code).toBe('HISTORY_REWRITTEN');
    expect(err.message).toContain(tip);
    expect(err.message).toContain(f.merge);
    expect(err.message).not.toContain(root); // no host paths
    expect(rev(clone)).toBe(tip);
    // Refused again on the next pull: the last accepted tip is still the real one.
    r = meta(['pull'], clone);
    expect(r.code).toBe(7);
    expect(r.err).toContain(tip);
    expect(r.err).toContain(f.merge);

    // The other parent order: the real tip is the merge's first parent.
    const g = forge(srv, { tipFirst: true });
    git(['--git-dir', srv, 'update-ref', 'refs/heads/main', g.merge, f.merge]);
    r = meta(['pull'], clone);
    expect(r.code).toBe(7);
    expect(r.err).toContain(tip);
    expect(r.err).toContain(g.merge);
    expect(rev(clone)).toBe(tip);

    const after = JSON.parse(metaOk(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--json'], clone));
    expect(after.binary.locations).toEqual([`${files.url}/app-real`]);
    expect(after.binary.digest).toBe(sha256(REAL_BYTES));
    expect(after.release.sources[0].commit).toBe(REAL_SRC);
    expect(after.commit).toBe(tip);
  });

  it('is reported by meta verify (exit 6: merge-commit and new-root) when written locally with git update-ref', () => {
    for (const tipFirst of [false, true]) {
      const local = `${root}/verify-${tipFirst}.git`;
      git(['clone', '-q', '--bare', real, local]);
      expect(meta(['verify'], local).code).toBe(0);
      const f = forge(local, { tipFirst });
      git(['--git-dir', local, 'update-ref', 'refs/heads/main', f.merge, tip]);
      const r = meta(['verify', '--json'], local);
      expect(r.code).toBe(6);
      expect(JSON.parse(r.err).error.code).toBe('VERIFY_FAILED');
      const got = (JSON.parse(r.out) as { violations: { commit: string; kind: string }[] }).violations.map((v) => [v.commit, v.kind]);
      expect(got).toContainEqual([f.merge, 'merge-commit']);
      expect(got).toContainEqual([f.root, 'new-root']);
      const human = meta(['verify'], local);
      expect(human.code).toBe(6);
      expect(human.out).toContain(`${f.merge.slice(0, 12)} merge-commit`);
      expect(human.out).toContain(`${f.root.slice(0, 12)} new-root`);
    }
  });

  it('is not installed by meta follow --remote: the follower keeps the real binary and logs the refusal', async () => {
    const srv = servedCopy('follow.git');
    const installDir = `${root}/host`;
    const follower = spawnFollower([
      'follow', 'acme/app', '--remote', http.server.url('follow.git'), '--repo', `${root}/follow-clone`, '--channel', 'stable',
      '--platform', 'linux/amd64', '--install-dir', installDir, '--fetch-interval', '0.2', '--recheck', '1', '--timeout', '60',
    ]);
    const installed = () => (existsSync(`${installDir}/current/app`) ? readFileSync(`${installDir}/current/app`, 'utf8') : undefined);
    try {
      await waitFor(follower, () => installed() === REAL_BYTES);
      expect(installed()).toBe(REAL_BYTES);
      // The merge with the real tip as first parent: a first-parent check of the follower's last
      // verified commit passes, so only the pull can stop it.
      const g = forge(srv, { tipFirst: true });
      git(['--git-dir', srv, 'update-ref', 'refs/heads/main', g.merge, tip]);
      const installs = () => follower.err().split('installing acme/app').length - 1;
      await waitFor(follower, () => follower.err().includes(g.merge) || installs() > 1);
      expect(follower.err()).toContain(`fetch: remote 'origin' moved main from ${tip} to ${g.merge}`);
      expect(installs()).toBe(1);
      expect(installed()).toBe(REAL_BYTES);
      expect(rev(`${root}/follow-clone`)).toBe(tip);
    } finally {
      follower.child.kill('SIGTERM');
      await follower.exit;
    }
  });

  it('is not installed by meta follow --repo when something other than meta merges into the local branch', async () => {
    const local = `${root}/follow-local.git`;
    git(['clone', '-q', '--bare', real, local]);
    const installDir = `${root}/host-local`;
    const follower = spawnFollower([
      'follow', 'acme/app', '--repo', local, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', installDir, '--recheck', '1', '--timeout', '60',
    ]);
    const installed = () => (existsSync(`${installDir}/current/app`) ? readFileSync(`${installDir}/current/app`, 'utf8') : undefined);
    try {
      await waitFor(follower, () => installed() === REAL_BYTES);
      // The real tip first: the merge is on the first-parent line of everything verified so far,
      // and its tree (what resolve reads) is the forgery.
      const g = forge(local, { tipFirst: true });
      git(['--git-dir', local, 'update-ref', 'refs/heads/main', g.merge, tip]);
      const installs = () => follower.err().split('installing acme/app').length - 1;
      await waitFor(follower, () => follower.err().includes('does not descend from the last verified commit') || installs() > 1 || installed() !== REAL_BYTES);
      expect(installs()).toBe(1);
      expect(installed()).toBe(REAL_BYTES);
    } finally {
      follower.child.kill('SIGTERM');
      await follower.exit;
    }
  });

  it('is not served by meta serve --remote: the fetch is refused and resolve answers the real binary', async () => {
    const srv = servedCopy('serve.git');
    const server = spawnFollower(['serve', '--remote', http.server.url('serve.git'), '--repo', `${root}/serve-clone`, '--listen', '127.0.0.1:0', '--fetch-interval', '0.2', '--no-webhooks']);
    try {
      await waitFor(server, () => /listening on (\S+)/.test(server.out()));
      const base = /listening on (\S+)/.exec(server.out())![1]!;
      const resolve = async () => (await (await fetch(`${base}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64`)).json()) as { commit: string; binary: { locations: string[] } };
      expect((await resolve()).commit).toBe(tip);
      const f = forge(srv);
      git(['--git-dir', srv, 'update-ref', 'refs/heads/main', f.merge, tip]);
      // Bounded: either the server logs the refused fetch, or (unfixed) it starts answering from the merge.
      let answer = await resolve();
      for (let i = 0; i < 600 && !server.err().includes(f.merge) && answer.commit === tip; i++) {
        await new Promise((r) => setTimeout(r, 50));
        answer = await resolve();
      }
      expect(server.err()).toContain(`moved main from ${tip} to ${f.merge}`);
      answer = await resolve();
      expect(answer.commit).toBe(tip);
      expect(answer.binary.locations).toEqual([`${files.url}/app-real`]);
      expect(rev(`${root}/serve-clone`)).toBe(tip);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  });
});

/** A long-running meta process (follower, server) whose output the test watches. */
function spawnFollower(args: string[]): MetaProcess {
  return spawnMeta(args, { META_ACTOR: ACTOR });
}

/** Waits until `cond` holds or the process exits (it stops by itself: --timeout, or the test kills it). */
async function waitFor(p: { exited: () => boolean; err: () => string }, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !cond() && !p.exited(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`condition not reached; process output:\n${p.err()}`);
}

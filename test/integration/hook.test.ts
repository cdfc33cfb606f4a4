import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addProject, initMeta, recordRelease } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { isMetaError } from '../../src/errors/MetaError.js';
import { releasePath } from '../../src/records/layout.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, fsck, git, gitBlob, hex40, plumbingCommit, tmp } from '../helpers/remoteFixtures.js';

const BIN = fileURLToPath(new URL('../../bin/meta', import.meta.url));
const env = { META_ACTOR: 'Test <t@example.com>' };
const http = useGitHttpServer();

/** A real `git push`; returns its status and what the pusher sees. */
function gitPush(cwd: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('git', ['push', ...args], { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  return { status: r.status, stderr: r.stderr };
}

describe('pre-receive hook on a git http-backend server', () => {
  it('rejects force-pushes, deletions and record edits from plain git, accepts appends and settings changes', async () => {
    const srv = bareRepo(http.root, 'h.git');
    const installed = spawnSync(BIN, ['hooks', 'install', srv], { encoding: 'utf8' });
    expect(installed.status).toBe(0);
    expect(statSync(`${srv}/hooks/pre-receive`).mode & 0o111).toBe(0o111);

    const repo = await initMeta({ dir: `${tmp()}/m`, env });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
    addRemote(repo, 'origin', http.server.url('h.git'));
    await push(repo); // a new branch through the hook
    const tip = git(['--git-dir', srv, 'rev-parse', 'main']).trim();
    expect(tip).toBe(repo.store.tip());

    const w = `${tmp()}/w`;
    git(['clone', '-q', http.server.url('h.git'), w]);
    const rel = releasePath('acme/app', '1.0.0');
    const commitAll = (msg: string) => {
      git(['add', '-A'], { cwd: w });
      git(['commit', '-q', '-m', msg], { cwd: w });
    };

    // Rewritten history, pushed with --force.
    git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: w });
    git(['commit', '-q', '--allow-empty', '-m', 'rewrite'], { cwd: w });
    let r = gitPush(w, ['--force', 'origin', 'HEAD:main']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('remote: meta: refusing non-fast-forward update of refs/heads/main');
    git(['reset', '-q', '--hard', 'origin/main'], { cwd: w });

    // Modify a record.
    writeFileSync(`${w}/${rel}`, 'edited');
    commitAll('edit');
    r = gitPush(w, ['origin', 'HEAD:main']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/remote: meta: commit [0-9a-f]{40} modifies projects\/acme\/app\/releases\/.*release\.pb: records are immutable/);
    git(['reset', '-q', '--hard', 'origin/main'], { cwd: w });

    // Delete a record.
    unlinkSync(`${w}/${rel}`);
    commitAll('delete');
    r = gitPush(w, ['origin', 'HEAD:main']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`deletes ${rel}: records are never removed`);
    git(['reset', '-q', '--hard', 'origin/main'], { cwd: w });

    // Rename a record.
    renameSync(`${w}/projects/acme/app/project.pb`, `${w}/projects/acme/app/project-old.pb`);
    commitAll('rename');
    r = gitPush(w, ['origin', 'HEAD:main']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('renames projects/acme/app/project.pb to projects/acme/app/project-old.pb: records never move');
    git(['reset', '-q', '--hard', 'origin/main'], { cwd: w });

    // Delete the branch.
    r = gitPush(w, ['origin', ':main']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('refusing to delete refs/heads/main');

    expect(git(['--git-dir', srv, 'rev-parse', 'main']).trim()).toBe(tip);

    // Settings may change; new files may be added.
    writeFileSync(`${w}/meta.yaml`, `${readFileSync(`${w}/meta.yaml`, 'utf8')}\n# edited\n`);
    commitAll('settings');
    expect(gitPush(w, ['origin', 'HEAD:main']).status).toBe(0);
    expect(fsck(srv).status).toBe(0);
  });

  it("boot-meta's own push of a record edit is rejected too, with the hook's message in the error", async () => {
    const srv = bareRepo(http.root, 'h2.git');
    spawnSync(BIN, ['hooks', 'install', srv]);
    const repo = await initMeta({ dir: `${tmp()}/m`, env });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    addRemote(repo, 'origin', http.server.url('h2.git'));
    await push(repo);
    plumbingCommit(repo.store.dir, { put: { 'projects/acme/app/project.pb': gitBlob(repo.store.dir, 'x') } }, 'tamper');
    let err: unknown;
    try {
      await push(repo);
    } catch (e) {
      err = e;
    }
    expect(isMetaError(err, 'REMOTE')).toBe(true);
    expect((err as Error).message).toContain('remote: meta: commit');
    expect((err as Error).message).toContain('modifies projects/acme/app/project.pb');
    expect(git(['--git-dir', srv, 'rev-parse', 'main']).trim()).not.toBe(repo.store.tip());
  });
});

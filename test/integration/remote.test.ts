import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addProject, initMeta, openMeta, recordRelease, promote } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { listRemotes } from '../../src/api/listRemotes.js';
import { cloneMeta } from '../../src/api/cloneMeta.js';
import { pull } from '../../src/api/pull.js';
import { push } from '../../src/api/push.js';
import { setAutoPush } from '../../src/api/autoPush.js';
import { isMetaError } from '../../src/errors/MetaError.js';
import { Store } from '../../src/store/Store.js';
import * as nodeFs from 'node:fs';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, fsck, git, hex40, tmp } from '../helpers/remoteFixtures.js';

const env = { META_ACTOR: 'Test <t@example.com>' };
const http = useGitHttpServer();

async function codeOf(p: Promise<unknown>): Promise<{ code?: string; message: string; data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isMetaError(e)) return { code: e.code, message: e.message, data: e.data };
    throw e;
  }
  return { message: 'no error' };
}

describe('remotes over smart HTTP (git http-backend)', () => {
  it('pushes to an empty remote, clones (full and shallow) bare repositories our Store and git fsck accept', async () => {
    const srv = bareRepo(http.root, 'a.git');
    const a = await initMeta({ dir: `${tmp()}/a`, env });
    await addProject(a, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await recordRelease(a, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
    expect(addRemote(a, 'origin', http.server.url('a.git'))).toMatchObject({ name: 'origin', droppedCredentials: false });
    expect(listRemotes(a)).toEqual([{ name: 'origin', url: http.server.url('a.git') }]);
    const p = await push(a);
    expect(p.pushed).toBe(a.store.tip());
    expect(git(['--git-dir', srv, 'rev-parse', 'refs/heads/main']).trim()).toBe(a.store.tip());
    expect(fsck(srv).status).toBe(0);
    expect((await push(a)).status).toBe('up-to-date');

    const bdir = `${tmp()}/b`;
    const b = await cloneMeta({ url: http.server.url('a.git'), dir: bdir, env });
    expect(b.commit).toBe(a.store.tip());
    expect(git(['--git-dir', bdir, 'config', 'core.bare']).trim()).toBe('true');
    expect(existsSync(`${bdir}/index`)).toBe(false);
    expect(fsck(bdir).status).toBe(0);
    const reopened = Store.open({ fs: nodeFs as never, dir: bdir });
    expect(reopened.tip()).toBe(a.store.tip());
    expect(reopened.snapshot().read('projects/acme/app/project.pb')).toBeDefined();

    const cdir = `${tmp()}/c`;
    await recordRelease(a, { project: 'acme/app', version: '1.1.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('b') }] });
    await push(a);
    const c = await cloneMeta({ url: http.server.url('a.git'), dir: cdir, env, depth: 1 });
    expect(c.commit).toBe(a.store.tip());
    expect(readFileSync(`${cdir}/shallow`, 'utf8').trim()).toBe(a.store.tip());
    expect(git(['--git-dir', cdir, 'rev-list', '--count', 'HEAD']).trim()).toBe('1');
    expect(fsck(cdir).status).toBe(0);
    expect(Store.open({ fs: nodeFs as never, dir: cdir }).snapshot().exists('projects/acme/app/project.pb')).toBe(true);
    // History queries work on the shallow part: the boundary commit is where the history starts.
    const shallow = openMeta({ dir: cdir, env });
    expect(shallow.store.log().entries().map((e) => e.commit)).toEqual([a.store.tip()]);
    expect(shallow.store.resolveAt('2999-01-01')).toBe(a.store.tip());
    expect(shallow.store.log().addedBy('projects/acme/app/project.pb')?.commit).toBe(a.store.tip());
  });

  it('writes with push land on the remote; pull fast-forwards; unpushed local commits are re-applied by push', async () => {
    bareRepo(http.root, 'b.git');
    const a = await initMeta({ dir: `${tmp()}/a`, env });
    addRemote(a, 'origin', http.server.url('b.git'));
    await push(a);
    const b = await cloneMeta({ url: http.server.url('b.git'), dir: `${tmp()}/b`, env });
    setAutoPush(a, true);
    await addProject(a, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const r1 = await recordRelease(a, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
    expect(git(['--git-dir', `${http.root}/b.git`, 'rev-parse', 'main']).trim()).toBe(r1.commit);
    const pr = await pull(b);
    expect(pr.status).toBe('fast-forward');
    expect(b.store.tip()).toBe(r1.commit);
    expect((await pull(b)).status).toBe('up-to-date');

    // b writes locally (no push) while a pushes; b's push re-applies its commit on the new remote tip.
    await recordRelease(b, { project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('c') }] });
    const localOnly = b.store.tip();
    const r3 = await recordRelease(a, { project: 'acme/app', version: '1.1.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('b') }] });
    expect((await codeOf(pull(b))).code).toBe('CONFLICT');
    const pb = await push(b);
    expect(pb.replayed).toBe(1);
    const tip = git(['--git-dir', `${http.root}/b.git`, 'rev-parse', 'main']).trim();
    expect(tip).toBe(b.store.tip());
    expect(tip).not.toBe(localOnly);
    expect(git(['--git-dir', `${http.root}/b.git`, 'rev-parse', 'main~1']).trim()).toBe(r3.commit);
    expect(git(['--git-dir', `${http.root}/b.git`, 'log', '--format=%s', '-1']).trim()).toContain('2.0.0');
    expect(fsck(`${http.root}/b.git`).status).toBe(0);
    expect(fsck(b.store.dir).status).toBe(0);

    // a promotion with --expect re-planned on the new tip: the check runs again and fails there.
    await promote(b, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await push(b);
    const stale = await codeOf(promote(a, { project: 'acme/app', channel: 'stable', version: '1.1.0', expect: 'none' }));
    expect(stale.code).toBe('CONFLICT');
    const ok = await promote(a, { project: 'acme/app', channel: 'stable', version: '1.1.0', expect: '1.0.0' });
    expect(ok.sequence).toBe(2);
  });

  it('pull refuses a force-pushed rewrite (HISTORY_REWRITTEN naming both commits) until --allow-rewrite', async () => {
    bareRepo(http.root, 'c.git');
    const a = await initMeta({ dir: `${tmp()}/a`, env });
    await addProject(a, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    addRemote(a, 'origin', http.server.url('c.git'));
    await push(a);
    const follower = await cloneMeta({ url: http.server.url('c.git'), dir: `${tmp()}/f`, env });
    const good = follower.store.tip()!;
    // Rewrite with real git: drop the last commit, add a different one, force-push.
    const w = tmp();
    git(['clone', '-q', http.server.url('c.git'), `${w}/x`]);
    git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: `${w}/x` });
    git(['commit', '-q', '--allow-empty', '-m', 'rewritten'], { cwd: `${w}/x` });
    git(['push', '-q', '--force', 'origin', 'HEAD:main'], { cwd: `${w}/x` });
    const evil = git(['rev-parse', 'HEAD'], { cwd: `${w}/x` }).trim();
    const e = await codeOf(pull(follower));
    expect(e.code).toBe('HISTORY_REWRITTEN');
    expect(e.message).toContain(good);
    expect(e.message).toContain(evil);
    expect(follower.store.tip()).toBe(good);
    // Still refused the next time (the tracking ref was put back).
    expect((await codeOf(pull(follower))).code).toBe('HISTORY_REWRITTEN');
    const forced = await pull(follower, { allowRewrite: true });
    expect(forced.status).toBe('rewritten');
    expect(follower.store.tip()).toBe(evil);
    expect(git(['--git-dir', follower.store.dir, 'rev-parse', 'refs/meta/before-rewrite']).trim()).toBe(good);
    // An old tip served again is refused too.
    git(['push', '-q', '--force', 'origin', `${evil}~1:main`], { cwd: `${w}/x` });
    expect((await codeOf(pull(openMeta({ dir: follower.store.dir, env })))).code).toBe('HISTORY_REWRITTEN');
  });
});

describe('push: true in meta.yaml', () => {
  it('makes writes push by default where the remote is configured, and stay local where it is not', async () => {
    bareRepo(http.root, 'y.git');
    const a = await initMeta({ dir: `${tmp()}/a`, env });
    const yaml = Buffer.from(a.store.snapshot().read('meta.yaml')!).toString('utf8');
    await a.store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from(`${yaml}\npush: true\n`), replace: true }], message: 'push by default' }), { actor: 'x' });
    // No remote here: a local write.
    const local = await addProject(a, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    expect(a.store.tip()).toBe(local.commit);
    addRemote(a, 'origin', http.server.url('y.git'));
    await push(a);
    const b = await cloneMeta({ url: http.server.url('y.git'), dir: `${tmp()}/b`, env });
    const r = await recordRelease(b, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
    expect(git(['--git-dir', `${http.root}/y.git`, 'rev-parse', 'main']).trim()).toBe(r.commit);
    // --no-push (setAutoPush false) overrides it.
    setAutoPush(b, false);
    const l = await recordRelease(b, { project: 'acme/app', version: '1.0.1', sources: [{ url: 'https://git.example/acme/app', commit: hex40('b') }] });
    expect(git(['--git-dir', `${http.root}/y.git`, 'rev-parse', 'main']).trim()).toBe(r.commit);
    expect(b.store.tip()).toBe(l.commit);
    b.close();
    // So does openMeta({ push: false }), on a fresh handle of the same clone.
    const c = openMeta({ dir: b.dir, env, push: false });
    expect(c.pushPolicy).toBe(false);
    const l2 = await recordRelease(c, { project: 'acme/app', version: '1.0.2', sources: [{ url: 'https://git.example/acme/app', commit: hex40('c') }] });
    expect(git(['--git-dir', `${http.root}/y.git`, 'rev-parse', 'main']).trim()).toBe(r.commit);
    expect(c.store.tip()).toBe(l2.commit);
    c.close();
    // And a fresh handle without it pushes again, as meta.yaml says: the policy belongs to the handle.
    const d = openMeta({ dir: b.dir, env });
    const r3 = await recordRelease(d, { project: 'acme/app', version: '1.0.3', sources: [{ url: 'https://git.example/acme/app', commit: hex40('d') }] });
    expect(git(['--git-dir', `${http.root}/y.git`, 'rev-parse', 'main']).trim()).toBe(r3.commit);
    d.close();
  });
});

import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMetaError } from '../../src/errors/MetaError.js';
import { advertisedRefs } from '../../src/remote/smartHttp.js';
import { fetchBranch } from '../../src/remote/fetchBranch.js';
import { fetchPack } from '../../src/remote/fetchPack.js';
import { Store } from '../../src/store/Store.js';
import * as nodeFs from 'node:fs';
import { startGitHttpServer, type GitHttpServer } from '../helpers/gitHttpServer.js';
import { cleanupTmp, fsck, git, tmp } from '../helpers/remoteFixtures.js';

let server: GitHttpServer;
let root: string;
let work: string;

/** Commits to the work tree with files that delta against each other, and pushes to the served repo. */
function commits(from: number, to: number): void {
  for (let i = from; i <= to; i++) {
    nodeFs.appendFileSync(`${work}/log.txt`, `entry ${i} ${'xyz'.repeat(i % 17)}\n`);
    nodeFs.mkdirSync(`${work}/d${i % 5}`, { recursive: true });
    nodeFs.writeFileSync(`${work}/d${i % 5}/r${i}.txt`, `record ${i}\n`);
    git(['add', '-A'], { cwd: work });
    git(['commit', '-q', '-m', `c${i}`], { cwd: work });
  }
  git(['push', '-q', `${root}/s.git`, 'HEAD:refs/heads/main'], { cwd: work });
}

const packs = (gitdir: string) => readdirSync(`${gitdir}/objects/pack`).sort();

beforeAll(async () => {
  root = tmp('meta-fetchpack-');
  work = `${root}/work`;
  git(['init', '-q', '--bare', '--initial-branch=main', `${root}/s.git`]);
  git(['init', '-q', '--initial-branch=main', work]);
  commits(1, 60);
  git(['--git-dir', `${root}/s.git`, 'repack', '-adq', '--depth=50']);
  server = await startGitHttpServer({ root, auth: { username: 'ci', password: 's3cret' } });
});
afterAll(async () => {
  await server.close();
  cleanupTmp();
});

const target = () => ({ url: server.url('s.git'), credentials: { username: 'ci', password: 's3cret' } });

describe('fetch over smart HTTP with our upload-pack client and pack indexer', () => {
  it('fetches the whole history into one pack git fsck --strict accepts, then only what is new', async () => {
    const store = Store.init({ fs: nodeFs as never, dir: `${root}/c.git`, branch: 'main' });
    const tip = await fetchBranch(store, target(), { remote: 'origin', branch: 'main' });
    expect(tip).toBe(git(['rev-parse', 'HEAD'], { cwd: work }).trim());
    expect(packs(store.dir).filter((f) => f.endsWith('.idx'))).toHaveLength(1);
    expect(packs(store.dir).every((f) => /^pack-[0-9a-f]{40}\.(pack|idx)$/.test(f))).toBe(true);
    expect(nodeFs.readFileSync(`${store.dir}/refs/remotes/origin/main`, 'utf8').trim()).toBe(tip);
    git(['--git-dir', store.dir, 'update-ref', 'refs/heads/main', tip!]);
    expect(fsck(store.dir)).toMatchObject({ status: 0 });
    expect(store.objects.readCommit(tip!).parents).toHaveLength(1);

    commits(61, 70);
    const tip2 = await fetchBranch(store, target(), { remote: 'origin', branch: 'main' });
    const idxs = packs(store.dir).filter((f) => f.endsWith('.idx'));
    expect(idxs).toHaveLength(2);
    // The second pack holds the 10 new commits with their trees and blobs, not the history again.
    const counts = idxs.map((f) => git(['verify-pack', '-v', `${store.dir}/objects/pack/${f}`]).split('\n').filter((l) => /^[0-9a-f]{40} (commit|tree|blob)/.test(l)).length);
    expect(Math.min(...counts)).toBeLessThan(60);
    git(['--git-dir', store.dir, 'update-ref', 'refs/heads/main', tip2!]);
    expect(fsck(store.dir)).toMatchObject({ status: 0 });
    store.close();
  });

  it('fetches a shallow history (deepen) and reports the boundary', async () => {
    const dir = `${root}/sh.git`;
    const store = Store.init({ fs: nodeFs as never, dir, branch: 'main' });
    const tip = await fetchBranch(store, target(), { remote: 'origin', branch: 'main', depth: 3 });
    const boundary = git(['rev-parse', 'HEAD~2'], { cwd: work }).trim();
    expect(nodeFs.readFileSync(`${dir}/shallow`, 'utf8')).toBe(`${boundary}\n`);
    git(['--git-dir', dir, 'update-ref', 'refs/heads/main', tip!]);
    expect(git(['--git-dir', dir, 'rev-list', '--count', 'HEAD']).trim()).toBe('3');
    expect(fsck(dir)).toMatchObject({ status: 0 });

    // A later fetch into the shallow repository (our boundary sent as `shallow`) keeps the boundary.
    commits(71, 72);
    const adv = await advertisedRefs(target(), 'git-upload-pack');
    const tip2 = await fetchBranch(store, target(), { remote: 'origin', branch: 'main', advertisement: adv });
    expect(tip2).toBe(adv.refs.get('refs/heads/main'));
    expect(nodeFs.readFileSync(`${dir}/shallow`, 'utf8')).toBe(`${boundary}\n`);
    git(['--git-dir', dir, 'update-ref', 'refs/heads/main', tip2!]);
    expect(git(['--git-dir', dir, 'rev-list', '--count', 'HEAD']).trim()).toBe('5');
    expect(fsck(dir)).toMatchObject({ status: 0 });
    store.close();
  });

  it('fails with AUTH, naming no password, when the server refuses the credentials, and leaves no temp file', async () => {
    const dir = tmp('meta-fetchpack-auth-');
    nodeFs.mkdirSync(`${dir}/pack`);
    const adv = await advertisedRefs(target(), 'git-upload-pack');
    const bad = { url: server.url('s.git'), credentials: { username: 'ci', password: 'wrong-pw' } };
    let err: unknown;
    try {
      await fetchPack(bad, adv, { wants: [adv.refs.get('refs/heads/main')!], haves: [] }, { fs: nodeFs as never, dir: `${dir}/pack` });
    } catch (e) {
      err = e;
    }
    expect(isMetaError(err) && err.code).toBe('AUTH');
    expect(String((err as Error).message)).not.toContain('wrong-pw');
    expect(readdirSync(`${dir}/pack`)).toEqual([]);
  });
});

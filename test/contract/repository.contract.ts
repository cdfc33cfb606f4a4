import { describe, expect, it } from 'vitest';
import { isMetaError } from '../../src/errors/MetaError.js';
import { setAutoPush } from '../../src/api/autoPush.js';
import { addProject } from '../../src/api/addProject.js';
import { cloneMeta } from '../../src/api/cloneMeta.js';
import { initMeta } from '../../src/api/initMeta.js';
import { openMeta, type MetaRepo } from '../../src/api/openMeta.js';
import { promote } from '../../src/api/promote.js';
import { pull } from '../../src/api/pull.js';
import { push } from '../../src/api/push.js';
import { recordRelease } from '../../src/api/recordRelease.js';
import { addRemote } from '../../src/api/addRemote.js';
import { verify } from '../../src/api/verify.js';
import { NothingToWrite, unlessNothingToWrite } from '../../src/store/NothingToWrite.js';
import type { SyncFs } from '../../src/store/fs.js';
import type { Repository } from '../../src/store/Repository.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, fsck, git } from '../helpers/remoteFixtures.js';

/** Where the implementation under test keeps its repositories. */
export interface RepositoryHome {
  fs: SyncFs;
  /** A new, not yet existing directory on `fs`. */
  newDir(name: string): string;
  /** Whether the repositories are on the process's disk (a file watcher can watch them). */
  onDisk: boolean;
}

const ENV = {};
const ACTOR = 'Contract <contract@example.com>';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const bytes = (s: string) => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
const sha = (c: string) => c.repeat(40).slice(0, 40);

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return isMetaError(e) ? e.code : `not a MetaError: ${String(e)}`;
  }
  return undefined;
}

/** A meta repository whose commits are stamped one day apart from 2026-01-01, so dates are predictable. */
async function dated(home: RepositoryHome, name: string, actor = ACTOR): Promise<{ repo: MetaRepo; dir: string; at: (day: number) => Date }> {
  const dir = home.newDir(name);
  let day = 0;
  const repo = await initMeta({ dir, fs: home.fs, env: ENV, actor, clock: () => new Date(T0 + day * DAY) });
  return { repo, dir, at: (d: number) => new Date(T0 + (day = d) * DAY) };
}

function append(store: Repository, path: string, data: string, when?: Date, message = `add ${path}`) {
  return store.append(() => ({ files: [{ path, data: bytes(data) }], message }), { actor: ACTOR, time: when });
}

/**
 * The behaviour every implementation of the repository (the store on the disk, the store in
 * memory) must show, through the interface callers use: appends by compare-and-swap, reads at a
 * commit, `--at` resolution, the log index, ancestry, derived state, verify, and fetch, push and
 * clone through a real `git http-backend`.
 */
export function repositoryContract(label: string, makeHome: () => RepositoryHome): void {
  describe(`Repository contract (${label})`, () => {
    it('appends a commit whose snapshot holds the files, while the parent snapshot stays as it was', async () => {
      const home = makeHome();
      const { repo } = await dated(home, 'append');
      const store = repo.store;
      const before = store.tip()!;
      const r = await append(store, 'log/2026/01/02/a.txt', 'alpha');
      expect(r).toMatchObject({ parent: before, attempts: 1 });
      expect(r.files).toEqual([{ path: 'log/2026/01/02/a.txt', oid: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
      expect(store.tip()).toBe(r.commit);
      expect(text(store.snapshot().read('log/2026/01/02/a.txt'))).toBe('alpha');
      expect(store.snapshot(before).exists('log/2026/01/02/a.txt')).toBe(false);
      expect(text(store.snapshot(r.commit).readBlob(r.files[0]!.oid))).toBe('alpha');
      expect(store.snapshot(r.commit).list('log/2026/01/02').map((e) => e.name)).toEqual(['a.txt']);
      expect([...store.snapshot(r.commit).walk('log')].map((f) => f.path)).toEqual(['log/2026/01/02/a.txt']);
      expect(store.readCommit(r.commit)).toMatchObject({ parents: [before], message: 'add log/2026/01/02/a.txt\n' });
      expect(store.hasObject(r.files[0]!.oid)).toBe(true);
      expect(store.readObject(r.files[0]!.oid)?.type).toBe('blob');
      expect(store.readObject(sha('e'))).toBeUndefined();
      // Records are immutable: adding the same path again is refused, and nothing moves.
      expect(await codeOf(append(store, 'log/2026/01/02/a.txt', 'other'))).toBe('ALREADY_EXISTS');
      expect(await codeOf(append(store, 'log/../x.txt', 'x'))).toBe('INVALID_NAME');
      expect(store.tip()).toBe(r.commit);
      // A reopened repository reads the same.
      const again = openMeta({ dir: repo.dir, fs: home.fs, env: ENV });
      expect(again.store.tip()).toBe(r.commit);
      expect(text(again.store.snapshot().read('log/2026/01/02/a.txt'))).toBe('alpha');
    });

    it('two writers at once: one wins the compare-and-swap, the other re-plans on the winner and takes the next number', async () => {
      const home = makeHome();
      const { repo } = await dated(home, 'cas');
      const a = openMeta({ dir: repo.dir, fs: home.fs, env: ENV });
      const b = openMeta({ dir: repo.dir, fs: home.fs, env: ENV });
      const start = a.store.tip();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const seen: (string | undefined)[] = [];
      const next = (snap: ReturnType<Repository['snapshot']>) => `log/seq/${snap.list('log/seq').length + 1}.txt`;
      // A plans on the tip and waits; B appends meanwhile; A's swap then fails and it plans again.
      const pa = a.store.append(async (snap) => {
        seen.push(snap.commit);
        const path = next(snap);
        if (seen.length === 1) await gate;
        return { files: [{ path, data: bytes('from a') }], message: 'a' };
      }, { actor: 'a' });
      expect(seen).toEqual([start]);
      const rb = await b.store.append((snap) => ({ files: [{ path: next(snap), data: bytes('from b') }], message: 'b' }), { actor: 'b' });
      release();
      const ra = await pa;
      expect(rb.files[0]!.path).toBe('log/seq/1.txt');
      expect(ra.attempts).toBe(2);
      expect(seen).toEqual([start, rb.commit]);
      expect(ra.parent).toBe(rb.commit);
      expect(ra.files[0]!.path).toBe('log/seq/2.txt');
      const snap = repo.store.snapshot();
      expect(text(snap.read('log/seq/1.txt'))).toBe('from b');
      expect(text(snap.read('log/seq/2.txt'))).toBe('from a');
      // Bounded: a writer that keeps losing gives up with CONFLICT and writes nothing.
      const tip = repo.store.tip();
      let calls = 0;
      const losing = a.store.append(async (s) => {
        calls++;
        await b.store.append(() => ({ files: [{ path: `log/race/${calls}.txt`, data: bytes('b') }], message: 'b wins' }), { actor: 'b' });
        return { files: [{ path: `log/lost/${s.commit}.txt`, data: bytes('a') }], message: 'a loses' };
      }, { actor: 'a', maxAttempts: 3 });
      expect(await codeOf(losing)).toBe('CONFLICT');
      expect(calls).toBe(3);
      expect(repo.store.snapshot().list('log/lost')).toEqual([]);
      expect(repo.store.log().since(tip).map((e) => e.subject)).toEqual(['b wins', 'b wins', 'b wins']);
    });

    it('a plan that finds nothing to write leaves the branch where it was', async () => {
      const home = makeHome();
      const { repo } = await dated(home, 'nothing');
      const tip = repo.store.tip();
      const r = await unlessNothingToWrite(repo.store.append(() => {
        throw new NothingToWrite('already there');
      }, { actor: ACTOR }), (v: string) => `unchanged: ${v}`);
      expect(r).toBe('unchanged: already there');
      expect(repo.store.tip()).toBe(tip);
      // Promoting the release a channel already has writes nothing, through the same mechanism.
      await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
      await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
      const first = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      const again = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      expect(first.changed).toBe(true);
      expect(again).toMatchObject({ changed: false, sequence: first.sequence, commit: first.commit });
      expect(repo.store.tip()).toBe(first.commit);
    });

    it('resolves --at specs: full and short hashes, refs with ~N, HEAD, and dates', async () => {
      const home = makeHome();
      const { repo, at } = await dated(home, 'resolve');
      const store = repo.store;
      const c0 = store.tip()!;
      const c1 = (await append(store, 'log/a.txt', 'a', at(31))).commit; // 2026-02-01
      const c2 = (await append(store, 'log/b.txt', 'b', at(59))).commit; // 2026-03-01
      expect(store.resolveAt()).toBe(c2);
      expect(store.resolveAt('HEAD')).toBe(c2);
      expect(store.resolveAt(c1)).toBe(c1);
      expect(store.resolveAt(c1.slice(0, 12))).toBe(c1);
      expect(store.resolveAt('main')).toBe(c2);
      expect(store.resolveAt('refs/heads/main')).toBe(c2);
      expect(store.resolveAt('main~1')).toBe(c1);
      expect(store.resolveAt('HEAD~2')).toBe(c0);
      expect(store.resolveAt('2026-02-15')).toBe(c1);
      expect(store.resolveAt('2026-02-01')).toBe(c1); // a bare date is the end of that day
      expect(store.resolveAt('2026-01-31T23:59:59Z')).toBe(c0);
      expect(store.resolveAt('2027-01-01')).toBe(c2);
      expect(await codeOf(() => store.resolveAt('2025-12-31'))).toBe('NOT_FOUND');
      expect(await codeOf(() => store.resolveAt('main~3'))).toBe('NOT_FOUND');
      expect(await codeOf(() => store.resolveAt(sha('f')))).toBe('NOT_FOUND');
      expect(await codeOf(() => store.resolveAt('no-such-ref'))).toBe('NOT_FOUND');
      expect(await codeOf(() => store.resolveAt('../../etc/passwd'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => store.resolveAt('2026-13-45'))).toBe('INVALID_ARGUMENT');
      expect(text(store.snapshot(store.resolveAt('2026-02-15')).read('log/a.txt'))).toBe('a');
      expect(store.snapshot(store.resolveAt('2026-02-15')).exists('log/b.txt')).toBe(false);
    });

    it('answers log index queries, at the tip and at an older commit, and again from its cache after a reopen', async () => {
      const home = makeHome();
      const { repo, at } = await dated(home, 'log');
      const store = repo.store;
      const c0 = store.tip()!;
      const c1 = (await append(store, 'log/x/a.txt', 'a', at(1), 'add a\n\nbody')).commit;
      const c2 = (await store.append(() => ({ files: [{ path: 'log/x/b.txt', data: bytes('b') }, { path: 'meta.yaml', data: bytes('format: 1\n'), replace: true }], message: 'add b' }), { actor: ACTOR, time: at(2) })).commit;
      const check = (r: Repository) => {
        const log = r.log();
        const entries = log.entries();
        expect(entries.map((e) => e.commit)).toEqual([c0, c1, c2]);
        expect(entries[1]).toMatchObject({ subject: 'add a', author: ACTOR, added: ['log/x/a.txt'], changed: [], time: (T0 + DAY) / 1000 });
        expect(entries[2]).toMatchObject({ added: ['log/x/b.txt'], changed: ['meta.yaml'] });
        expect(entries[0]!.added).toContain('meta.yaml');
        expect(log.addedBy('log/x/a.txt')?.commit).toBe(c1);
        expect(log.addedIn('log/x/b.txt')).toBe(c2);
        expect(log.addedIn('log/x/b.txt', c1)).toBeUndefined();
        expect(log.addedBy('log/none.txt')).toBeUndefined();
        expect(log.since(c0).map((e) => e.commit)).toEqual([c1, c2]);
        expect(log.since(c1, c1)).toEqual([]);
        expect(log.entries(c1).map((e) => e.commit)).toEqual([c0, c1]);
        expect(log.contains(c1)).toBe(true);
        expect(log.contains(c2, c1)).toBe(false);
        expect(log.commitAt((T0 + DAY + 1000) / 1000)).toBe(c1);
        expect(log.commitAt(T0 / 1000 - 1)).toBeUndefined();
        expect(log.first()).toEqual({ commit: c0, time: T0 / 1000 });
        expect(log.withPrefix(c2.slice(0, 10))).toEqual([c2]);
      };
      check(store);
      // A new handle reads the cache the first one left in the repository's state directory.
      const reopened = openMeta({ dir: repo.dir, fs: home.fs, env: ENV });
      expect(reopened.store.stateDir('meta-cache').isDir('log-v2')).toBe(true);
      check(reopened.store);
      // A damaged cache costs a re-derivation, never a wrong answer.
      const cache = reopened.store.stateDir('meta-cache').dir('log-v2');
      for (const name of cache.list()) cache.write(name, name === 'commits.bin' ? Buffer.alloc(24 * 3, 7) : '{"n": 99, "m": {"log/x/a.txt": [0, "nope"]}}');
      check(openMeta({ dir: repo.dir, fs: home.fs, env: ENV }).store);
      check(openMeta({ dir: repo.dir, fs: home.fs, env: ENV }).store);
    });

    it('tells single-parent ancestry', async () => {
      const home = makeHome();
      const { repo } = await dated(home, 'ancestry');
      const store = repo.store;
      const c0 = store.tip()!;
      const c1 = (await append(store, 'log/a.txt', 'a')).commit;
      const c2 = (await append(store, 'log/b.txt', 'b')).commit;
      expect(store.isSingleParentAncestor(c0, c2)).toBe(true);
      expect(store.isSingleParentAncestor(c1, c2)).toBe(true);
      expect(store.isSingleParentAncestor(c2, c2)).toBe(true);
      expect(store.isSingleParentAncestor(c2, c1)).toBe(false);
      expect(store.isSingleParentAncestor(sha('d'), c2)).toBe(false);
    });

    it('keeps derived state beside the repository: atomic files, appended logs, subdirectories', async () => {
      const home = makeHome();
      const { repo } = await dated(home, 'state');
      const state = repo.store.stateDir('meta-webhooks');
      expect(state.list()).toEqual([]);
      expect(state.readText('cursor.json')).toBeUndefined();
      const hook = state.dir('deploys');
      hook.write('cursor.json', '{"v":1,"after":"x"}', { durable: true });
      hook.write('cursor.json', '{"v":1,"after":"y"}', { durable: true });
      hook.append('deliveries.jsonl', 'one\n');
      hook.append('deliveries.jsonl', 'two\n');
      expect(hook.readText('cursor.json')).toBe('{"v":1,"after":"y"}');
      expect(hook.readText('deliveries.jsonl')).toBe('one\ntwo\n');
      expect(hook.list().sort()).toEqual(['cursor.json', 'deliveries.jsonl']);
      expect(state.list()).toEqual(['deploys']);
      expect(state.isDir('deploys')).toBe(true);
      hook.remove('cursor.json');
      expect(hook.readText('cursor.json')).toBeUndefined();
      expect(await codeOf(() => state.dir('../escape'))).toBe('INVALID_NAME');
      expect(await codeOf(() => repo.store.stateDir('objects'))).toBe('INVALID_NAME');
      // Not part of the repository's content.
      expect(repo.store.snapshot().exists('meta-webhooks')).toBe(false);
      expect(repo.store.refFiles() !== undefined).toBe(home.onDisk);
    });

    it('verify passes a clean history and names a record modified in place', async () => {
      const home = makeHome();
      const { repo } = await dated(home, 'verify');
      await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
      await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      const clean = verify(repo);
      expect(clean).toMatchObject({ ok: true, violations: [], shallow: false });
      expect(clean.records).toBeGreaterThanOrEqual(3);
      const path = 'projects/acme/app/project.pb';
      const bad = await repo.store.append(() => ({ files: [{ path, data: bytes('not a record'), replace: true }], message: 'tamper' }), { actor: 'mallory' });
      const r = verify(repo);
      expect(r.ok).toBe(false);
      expect(r.violations).toEqual([expect.objectContaining({ commit: bad.commit, path, kind: 'modified' })]);
      expect(verify(repo, { to: 'main~1' }).ok).toBe(true);
    });

    describe('through a real git http-backend', () => {
      const srv = useGitHttpServer();

      it('pushes, clones (whole and shallow), appends through the remote and pulls, with every file on its own file system', async () => {
        const home = makeHome();
        const served = bareRepo(srv.root, `${label}-served.git`);
        const url = srv.server.url(`${label}-served.git`);
        const { repo: a } = await dated(home, 'origin-a');
        await addProject(a, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
        addRemote(a, 'origin', url);
        const pushed = await push(a);
        expect(pushed.pushed).toBe(a.store.tip());
        expect(git(['--git-dir', served, 'rev-parse', 'refs/heads/main']).trim()).toBe(a.store.tip());

        const b = await cloneMeta({ url, dir: home.newDir('clone-b'), fs: home.fs, env: ENV, actor: 'B <b@example.com>' });
        expect(b.commit).toBe(a.store.tip());
        expect(b.store.snapshot().exists('projects/acme/app/project.pb')).toBe(true);
        expect(b.store.log().entries().map((e) => e.commit)).toEqual(a.store.log().entries().map((e) => e.commit));
        expect(verify(b).ok).toBe(true);

        // B writes through the remote (planned on its tip, pushed, then the branch moves).
        setAutoPush(b, {});
        const rel = await recordRelease(b, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('b') }] });
        expect(git(['--git-dir', served, 'rev-parse', 'refs/heads/main']).trim()).toBe(rel.commit);
        expect(b.store.tip()).toBe(rel.commit);

        // A fetches it: a fast-forward, with the pack written through A's file system.
        const pulled = await pull(a);
        expect(pulled).toMatchObject({ status: 'fast-forward', after: rel.commit });
        expect(a.store.snapshot().exists(rel.path)).toBe(true);
        expect((await pull(a)).status).toBe('up-to-date');

        // A writes locally, B appends through the remote meanwhile: A's push re-applies its commit on B's.
        const local = await recordRelease(a, { project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('d') }] });
        const other = await recordRelease(b, { project: 'acme/app', version: '1.0.1', sources: [{ url: 'https://git.example/acme/app', commit: sha('c') }] });
        const again = await push(a);
        expect(again.status).toBe('replayed');
        expect(again.replayed).toBe(1);
        expect(a.store.readCommit(a.store.tip()!).parents).toEqual([other.commit]);
        expect(git(['--git-dir', served, 'rev-parse', 'refs/heads/main']).trim()).toBe(a.store.tip());
        expect(a.store.tip()).not.toBe(local.commit);
        expect(a.store.snapshot().exists(local.path)).toBe(true);
        expect(verify(a).ok).toBe(true);
        expect(fsck(served, { dangling: false })).toEqual({ status: 0, output: '' });

        // A shallow clone holds the tip alone, and says so.
        const c = await cloneMeta({ url, dir: home.newDir('clone-c'), fs: home.fs, env: ENV, depth: 1 });
        expect(c.commit).toBe(a.store.tip());
        expect([...c.store.shallowCommits()]).toEqual([c.commit]);
        expect(c.store.log().entries().map((e) => e.commit)).toEqual([c.commit]);
        expect(verify(c)).toMatchObject({ ok: true, shallow: true });
        expect(c.store.snapshot().exists(rel.path)).toBe(true);
      });

      it('refuses a remote history that does not descend from the last one accepted, and a clone of a non-meta repository leaves nothing', async () => {
        const home = makeHome();
        const served = bareRepo(srv.root, `${label}-rewritten.git`);
        const url = srv.server.url(`${label}-rewritten.git`);
        const { repo: a } = await dated(home, 'rw-a');
        addRemote(a, 'origin', url);
        await push(a);
        const follower = await cloneMeta({ url, dir: home.newDir('rw-follower'), fs: home.fs, env: ENV });
        const good = follower.store.tip();
        // Someone replaces the history on the server with an unrelated one.
        const { repo: other } = await dated(home, 'rw-other', 'Mallory <m@example.com>');
        await append(other.store, 'log/evil.txt', 'evil');
        addRemote(other, 'evil', url);
        git(['--git-dir', served, 'update-ref', '-d', 'refs/heads/main']);
        await push(other, { remote: 'evil' });
        expect(await codeOf(pull(follower))).toBe('HISTORY_REWRITTEN');
        expect(follower.store.tip()).toBe(good);

        const plain = bareRepo(srv.root, `${label}-plain.git`);
        const blank = git(['--git-dir', plain, 'commit-tree', '-m', 'not meta', git(['--git-dir', plain, 'mktree'], { input: '' }).trim()]).trim();
        git(['--git-dir', plain, 'update-ref', 'refs/heads/main', blank]);
        const dir = home.newDir('clone-plain');
        expect(await codeOf(cloneMeta({ url: srv.server.url(`${label}-plain.git`), dir, fs: home.fs, env: ENV }))).toBe('NOT_A_META_REPO');
        expect(home.fs.existsSync(dir)).toBe(false);
      });
    });
  });
}

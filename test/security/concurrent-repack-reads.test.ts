import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { isMetaError } from '../../src/errors/MetaError.js';
import type { SyncFs } from '../../src/store/fs.js';
import { Store } from '../../src/store/Store.js';
import { tempDir } from '../helpers/diskRepo.js';

/**
 * `git gc` and `git repack -ad` replace every pack and prune the loose objects they packed while
 * boot-meta readers (`meta serve`, `meta resolve` commands) keep reading. A reader that listed the
 * packs and then finds a listed pack deleted, or a loose object pruned, must look again until the
 * pack set is stable, and never fail a read of an object the repository had all along; when the
 * packs never settle, it fails with a MetaError, never a raw ENOENT (an INTERNAL error).
 */

const ACTOR = 'sec <sec@example.com>';
const record = (k: number) => Buffer.from(`record ${k} ${'y'.repeat(k % 11)}\n`);
const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };

/**
 * A new commit on a side ref (so the next pack has a new name; its parent is the previous one, so
 * all stay reachable and no repack drops one), then git's full repack.
 */
const CHURN = [
  't=$(git rev-parse main^{tree})',
  'p=$(git rev-parse -q --verify refs/churn || true)',
  'c=$(git commit-tree "$t" ${p:+-p "$p"} -m "churn $(date +%s%N)")',
  'git update-ref refs/churn "$c"',
  'git repack -a -d -f -q',
].join('\n');

function churn(dir: string): void {
  execFileSync('sh', ['-c', CHURN], { env: { ...process.env, ...GIT_ENV, GIT_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Node's fs, with `after` run after each listing of the pack directory the reader makes, and
 * `onMissing` told of each object or pack file that was not there when the reader looked.
 */
function fsWithListingHook(dir: string, after: () => void, onMissing: () => void = () => {}): SyncFs {
  const packDir = `${dir}/objects/pack`;
  const counted = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    try {
      return f(...a);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && String(a[0]).startsWith(`${dir}/objects/`)) onMissing();
      throw e;
    }
  };
  return {
    ...fs,
    readFileSync: counted(fs.readFileSync) as SyncFs['readFileSync'],
    statSync: counted(fs.statSync) as SyncFs['statSync'],
    openSync: counted(fs.openSync) as SyncFs['openSync'],
    readdirSync: ((p: string) => {
      const names = fs.readdirSync(p);
      if (p === packDir) after();
      return names;
    }) as SyncFs['readdirSync'],
  } as SyncFs;
}

async function makeRepo(dir: string): Promise<void> {
  const store = Store.init({ fs, dir });
  // Some history in a pack (a group commit), the rest loose (small appends).
  await store.append(() => ({ files: Array.from({ length: 40 }, (_, i) => ({ path: `bulk/r${i}.pb`, data: record(1000 + i) })), message: 'bulk' }), { actor: ACTOR });
  for (let k = 0; k < 30; k++) await store.append(() => ({ files: [{ path: `loose/r${k}.pb`, data: record(k) }], message: `record ${k}` }), { actor: ACTOR });
  store.close();
}

describe('reads while git repacks the repository', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('meta-sec-repack-');
  });
  afterAll(() => tmp.cleanup());

  it('a burst of repacks, each landing between a listing and its use, is outlasted', async () => {
    const dir = `${tmp.dir}/burst`;
    await makeRepo(dir);
    churn(dir);
    // The next three listings are each made stale at once by a real repack: the worst
    // interleaving a concurrent `git repack -ad` loop produces on a busy machine.
    let burst = 0;
    const store = Store.open({ fs: fsWithListingHook(dir, () => {
      if (burst > 0) {
        burst--;
        churn(dir);
      }
    }), dir });
    try {
      burst = 3;
      const snap = store.snapshot();
      expect(burst).toBe(0);
      expect(Buffer.from(snap.read('loose/r7.pb')!)).toEqual(record(7));
      expect(Buffer.from(snap.read('bulk/r9.pb')!)).toEqual(record(1009));
    } finally {
      store.close();
    }
  });

  it('packs that never settle end in a MetaError IO, not a raw ENOENT; the next read works', async () => {
    const dir = `${tmp.dir}/storm`;
    await makeRepo(dir);
    churn(dir);
    let storm = false;
    let repacks = 0;
    const store = Store.open({ fs: fsWithListingHook(dir, () => {
      // Bounded: the reader gives up long before this many.
      if (storm && repacks < 40) {
        repacks++;
        churn(dir);
      }
    }), dir });
    try {
      storm = true;
      let error: unknown;
      try {
        store.snapshot();
      } catch (e) {
        error = e;
      }
      expect(isMetaError(error, 'IO')).toBe(true);
      expect((error as Error).message).toMatch(/try again/);
      expect((error as Error).message).not.toContain(tmp.dir);
      expect(repacks).toBeLessThan(40);
      storm = false;
      expect(Buffer.from(store.snapshot().read('loose/r3.pb')!)).toEqual(record(3));
    } finally {
      store.close();
    }
  });

  it('an object whose loose copy a repack pruned is still found (has and read)', async () => {
    const dir = `${tmp.dir}/pruned`;
    await makeRepo(dir);
    const store = Store.open({ fs, dir });
    try {
      const tip = store.tip()!;
      // Listed before the repack: the pack set then held only the group commit's pack.
      expect(store.snapshot().read('bulk/r1.pb')).toBeDefined();
      churn(dir);
      expect(fs.existsSync(`${dir}/objects/${tip.slice(0, 2)}/${tip.slice(2)}`)).toBe(false);
      expect(store.objects.has(tip)).toBe(true);
      expect(store.objects.readCommit(tip).message).toMatch(/record 29/);
    } finally {
      store.close();
    }
  });

  it('a `git repack -adf` loop in another process fails none of several hundred reads of a slow reader', async () => {
    const dir = `${tmp.dir}/loop`;
    await makeRepo(dir);
    const done = `${tmp.dir}/loop-done`;
    const script = `set -e\nfor i in $(seq 1 40); do\n${CHURN}\ndone\ntouch '${done}'`;
    const child = spawn('sh', ['-c', script], { env: { ...process.env, ...GIT_ENV, GIT_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // A reader on a loaded machine is descheduled at any point; the short pause after each listing
    // of the pack directory stands for that, so some repacks land between a listing and its use.
    // (A repack of this small repository takes ~20 ms: a reader much slower than that would see
    // every listing go stale, and rightly give up with the IO error after its bounded retries.)
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let missing = 0;
    const slowFs = fsWithListingHook(dir, () => Atomics.wait(pause, 0, 0, 3), () => missing++);
    const failures: string[] = [];
    let reads = 0;
    let rounds = 0;
    const server = Store.open({ fs: slowFs, dir });
    const readAll = (store: Store): void => {
      const snap = store.snapshot();
      for (let k = 0; k < 30; k += 5) {
        if (Buffer.from(snap.read(`loose/r${k}.pb`)!).equals(record(k))) reads++;
        else failures.push(`loose/r${k}.pb read back wrong`);
      }
      let side: string | undefined;
      try {
        side = fs.readFileSync(`${dir}/refs/churn`, 'utf8').trim();
      } catch {
        // Not made yet.
      }
      // Loose when made, then packed and pruned by the next repack.
      if (side && store.objects.has(side) && store.objects.readCommit(side)) reads++;
    };
    try {
      // Bounded by the child, which stops after 40 repacks and says so with the file.
      while (!fs.existsSync(done) && child.exitCode === null && rounds < 10_000) {
        rounds++;
        for (const store of [server, Store.open({ fs: slowFs, dir })]) {
          try {
            readAll(store);
          } catch (e) {
            failures.push(isMetaError(e) ? `${e.code}: ${e.message}` : `raw ${(e as Error).message}`);
          } finally {
            if (store !== server) store.close();
          }
        }
        // Lets the child's exit be noticed: the reads themselves are synchronous.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      server.close();
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(300);
    // The repacks did pull files from under the readers (pruned loose objects, deleted packs).
    expect(missing).toBeGreaterThan(0);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/Store.js';
import { diffTrees } from '../../src/store/diffTrees.js';
import { memFs } from '../helpers/memRepo.js';
import type { SyncFs } from '../../src/store/fs.js';

/** The reference answer: walk the first-parent history and diff every commit (what the index caches). */
function reference(store: Store, tip: string): { commit: string; time: number; added: string[] }[] {
  const out: { commit: string; time: number; added: string[] }[] = [];
  for (let c: string | undefined = tip; c; ) {
    const commit = store.objects.readCommit(c);
    const parent = commit.parents[0];
    const changes = diffTrees(store.objects, parent ? store.objects.readCommit(parent).tree : undefined, commit.tree);
    out.push({ commit: c, time: commit.committer.timestamp, added: changes.filter((x) => x.status === 'A').map((x) => x.path) });
    c = parent;
  }
  return out.reverse();
}

async function grow(store: Store, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    await store.append(() => ({ files: [{ path: `r/${i % 7}/f${i}.pb`, data: new TextEncoder().encode(`r${i}`) }], message: `add ${i}\n\nbody` }), { actor: 'T <t@x>', time: new Date((1_700_000_000 + i * 60) * 1000) });
  }
}

function check(store: Store, tip: string, every = false): void {
  const ref = reference(store, tip);
  const log = store.log();
  const entries = log.entries(tip);
  expect(entries.map((e) => [e.commit, e.time, e.added])).toEqual(ref.map((e) => [e.commit, e.time, e.added]));
  for (const i of every ? ref.keys() : [0, 1, Math.floor(ref.length / 2), ref.length - 1]) {
    const e = ref[i]!;
    for (const p of e.added) {
      expect(log.addedBy(p, tip)?.commit, p).toBe(e.commit);
      expect(log.addedIn(p, tip), p).toBe(e.commit);
    }
    expect(log.commitAt(e.time, tip)).toBe(e.commit);
    expect(log.withPrefix(e.commit.slice(0, 12), tip)).toEqual([e.commit]);
    expect(log.since(e.commit, tip).map((x) => x.commit)).toEqual(ref.slice(i + 1).map((x) => x.commit));
  }
  expect(log.commitAt(ref[0]!.time - 1, tip)).toBeUndefined();
}

describe('LogIndex (derived, cached by commit)', () => {
  it('answers like a full walk across chunk boundaries, incrementally and from its files in a new process', async () => {
    const fs: SyncFs = memFs();
    const store = Store.init({ fs, dir: '/r' });
    await grow(store, 0, 1203);
    const t1 = store.tip()!;
    check(store, t1);
    // More commits: the same instance catches up incrementally…
    await grow(store, 1203, 1240);
    const t2 = store.tip()!;
    check(store, t2);
    // …an older tip is a shorter view: what was added later is not there yet.
    expect(store.log().addedBy('r/0/f1239.pb', t1)).toBeUndefined();
    expect(store.log().entries(t1)).toHaveLength(1203);
    check(store, t1);
    // A fresh Store reads the cache files (no re-walk) and answers the same.
    const again = Store.open({ fs, dir: '/r' });
    check(again, t2);
    expect(fs.readdirSync('/r/meta-cache/log-v2')).toEqual(expect.arrayContaining(['commits.bin', 'chunk-0.json', 'chunk-1.json']));
  });

  it('never answers wrongly from stale or damaged cache files', async () => {
    const fs: SyncFs = memFs();
    const store = Store.init({ fs, dir: '/r' });
    await grow(store, 0, 30);
    store.log().entries();
    const dir = '/r/meta-cache/log-v2';
    const oldBuckets = Object.fromEntries(fs.readdirSync(dir).filter((n) => n.startsWith('added-')).map((n) => [n, fs.readFileSync(`${dir}/${n}`, 'utf8') as string]));
    await grow(store, 30, 45);
    store.log().entries();
    // A slower writer put back buckets that cover only the first 30 commits, and a chunk is garbage.
    for (const [n, text] of Object.entries(oldBuckets)) fs.writeFileSync(`${dir}/${n}`, text);
    fs.writeFileSync(`${dir}/chunk-0.json`, '[["0000000000000000000000000000000000000000",1,"x","y",["r/0/f0.pb"],[]]]');
    check(Store.open({ fs, dir: '/r' }), store.tip()!, true);
    // A torn commits.bin is dropped and the index rebuilt.
    fs.writeFileSync(`${dir}/commits.bin`, Buffer.alloc(13));
    check(Store.open({ fs, dir: '/r' }), store.tip()!);
  });

  it('follows a branch that was moved to a different history', async () => {
    const fs: SyncFs = memFs();
    const store = Store.init({ fs, dir: '/r' });
    await grow(store, 0, 10);
    const mid = store.log().entries()[4]!.commit;
    await grow(store, 10, 20);
    store.log().entries();
    // Move the branch back (as a forced push would) and write a different future.
    fs.writeFileSync('/r/refs/heads/main', `${mid}\n`);
    await grow(store, 100, 106);
    const fresh = Store.open({ fs, dir: '/r' });
    check(fresh, fresh.tip()!);
    expect(fresh.log().addedBy('r/3/f10.pb')).toBeUndefined();
  });
});

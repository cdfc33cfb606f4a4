import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/Store.js';
import { isMetaError } from '../../src/errors/MetaError.js';
import { memFs } from '../helpers/memRepo.js';
import { compareAndSwapRef } from '../../src/store/RefLock.js';
import { encodeTree } from '../../src/store/gitObjects.js';
import { diffRawTrees, RawTrees } from '../../src/store/diffRawTrees.js';
import { diffTrees, type Change } from '../../src/store/diffTrees.js';

const enc = (s: string) => Buffer.from(s);

async function storeWith(paths: string[][]): Promise<{ store: Store; commits: string[] }> {
  const fs = memFs();
  const store = Store.init({ fs, dir: '/r' });
  const commits: string[] = [];
  let t = Date.parse('2026-01-01T00:00:00Z');
  for (const group of paths) {
    const r = await store.append(() => ({ files: group.map((p) => ({ path: p, data: enc(`content of ${p}`) })), message: `add ${group.join(' ')}` }), { actor: 'T <t@x>', time: new Date(t) });
    t += 60_000;
    commits.push(r.commit);
  }
  return { store, commits };
}

async function errCode(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isMetaError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('Store', () => {
  it('appends, reads and lists at any commit', async () => {
    const { store, commits } = await storeWith([['a/b/one.pb'], ['a/b/two.pb', 'a/c.pb'], ['z.pb']]);
    const first = store.snapshot(commits[0]);
    expect(Buffer.from(first.read('a/b/one.pb')!).toString()).toBe('content of a/b/one.pb');
    expect(first.read('a/b/two.pb')).toBeUndefined();
    expect(first.list('a/b').map((e) => e.name)).toEqual(['one.pb']);
    const tip = store.snapshot();
    expect(tip.list('a/b').map((e) => e.name)).toEqual(['one.pb', 'two.pb']);
    expect([...tip.walk('')].map((f) => f.path)).toEqual(['a/b/one.pb', 'a/b/two.pb', 'a/c.pb', 'z.pb']);
    // Untouched subtrees are shared between commits.
    expect(store.snapshot(commits[2]).entry('a')!.oid).toBe(store.snapshot(commits[1]).entry('a')!.oid);
  });

  it('refuses to overwrite a path, to put a file where a folder is, and duplicate paths', async () => {
    const { store } = await storeWith([['a/b.pb']]);
    const tip = store.tip();
    const add = (paths: string[]) => store.append(() => ({ files: paths.map((p) => ({ path: p, data: enc('x') })), message: 'm' }), { actor: 't' });
    expect(await errCode(add(['a/b.pb']))).toBe('ALREADY_EXISTS');
    expect(await errCode(add(['a/b.pb/c.pb']))).toBe('ALREADY_EXISTS');
    expect(await errCode(add(['a']))).toBe('ALREADY_EXISTS');
    expect(await errCode(add(['q.pb', 'q.pb']))).toBe('INVALID_ARGUMENT');
    for (const bad of ['../x', 'a//b', '/abs', 'a/./b', '.git/config', 'a/\u0001']) expect(await errCode(add([bad]))).toBe('INVALID_NAME');
    expect(store.tip()).toBe(tip);
    // Settings files may be replaced when asked to; the old version stays in history.
    await store.append(() => ({ files: [{ path: 'meta.yaml', data: enc('v1') }], message: 'm' }), { actor: 't' });
    const v1 = store.tip();
    await store.append(() => ({ files: [{ path: 'meta.yaml', data: enc('v2'), replace: true }], message: 'm' }), { actor: 't' });
    expect(Buffer.from(store.snapshot().read('meta.yaml')!).toString()).toBe('v2');
    expect(Buffer.from(store.snapshot(v1).read('meta.yaml')!).toString()).toBe('v1');
  });

  it('re-plans on the new tip when another writer moved the branch', async () => {
    const { store } = await storeWith([['seed.pb']]);
    let calls = 0;
    const r = await store.append(async (snap) => {
      calls++;
      if (calls === 1) {
        // Another writer lands between our plan and our ref update.
        await store.append(() => ({ files: [{ path: 'other.pb', data: enc('o') }], message: 'other' }), { actor: 't' });
      }
      return { files: [{ path: `mine-${snap.list('').length}.pb`, data: enc('m') }], message: 'mine' };
    }, { actor: 't' });
    expect(calls).toBe(2);
    expect(r.attempts).toBe(2);
    expect(r.files[0]!.path).toBe('mine-2.pb');
    expect(store.snapshot().list('').map((e) => e.name)).toEqual(['mine-2.pb', 'other.pb', 'seed.pb']);
  });

  it('resolves --at: full and short hashes, refs, ~N, dates', async () => {
    const { store, commits } = await storeWith([['a.pb'], ['b.pb'], ['c.pb']]);
    expect(store.resolveAt()).toBe(commits[2]);
    expect(store.resolveAt(commits[0])).toBe(commits[0]);
    expect(store.resolveAt(commits[1]!.slice(0, 8))).toBe(commits[1]);
    expect(store.resolveAt('main')).toBe(commits[2]);
    expect(store.resolveAt('refs/heads/main~2')).toBe(commits[0]);
    expect(store.resolveAt('HEAD~1')).toBe(commits[1]);
    expect(store.resolveAt('2026-01-01T00:01:30Z')).toBe(commits[1]);
    expect(store.resolveAt('2026-01-01T00:01:00Z')).toBe(commits[1]);
    expect(store.resolveAt('2026-01-01')).toBe(commits[2]);
    expect(await errCode(() => store.resolveAt('2025-12-31'))).toBe('NOT_FOUND');
    expect(await errCode(() => store.resolveAt('2026-13-45'))).toBe('INVALID_ARGUMENT');
    expect(await errCode(() => store.resolveAt('f'.repeat(40)))).toBe('NOT_FOUND');
    expect(await errCode(() => store.resolveAt('nosuchref'))).toBe('NOT_FOUND');
    expect(await errCode(() => store.resolveAt('HEAD~9'))).toBe('NOT_FOUND');
  });

  it('keeps a log index that is incremental and survives a rewrite', async () => {
    const { store, commits } = await storeWith([['a.pb'], ['b/c.pb']]);
    const log = store.log();
    expect(log.entries().map((e) => e.added)).toEqual([['a.pb'], ['b/c.pb']]);
    expect(log.addedBy('b/c.pb')!.commit).toBe(commits[1]);
    const r = await store.append(() => ({ files: [{ path: 'd.pb', data: enc('d') }], message: 'd' }), { actor: 't' });
    expect(log.addedBy('d.pb')!.commit).toBe(r.commit);
    expect(log.since(commits[0]).map((e) => e.commit)).toEqual([commits[1], r.commit]);
    // Another opener reads the persisted cache and agrees.
    const again = Store.open({ fs: store.fs, dir: '/r' });
    expect(again.log().entries().map((e) => e.commit)).toEqual([commits[0], commits[1], r.commit]);
    // Move the branch back (as a rewrite would): the index follows the new tip.
    await compareAndSwapRef(store.fs, store.dir, 'refs/heads/main', r.commit, commits[0]!);
    expect(again.log().entries().map((e) => e.commit)).toEqual([commits[0]]);
    expect(again.log().addedBy('d.pb')).toBeUndefined();
  });

  it('clears a lock left by a dead process and times out on a live one', async () => {
    const { store } = await storeWith([['a.pb']]);
    const lock = `${store.dir}/refs/heads/main.lock`;
    store.fs.writeFileSync(lock, `meta-lock 999999999@${(await import('node:os')).hostname()}\n`);
    const cleared: string[] = [];
    await store.append(() => ({ files: [{ path: 'b.pb', data: enc('b') }], message: 'b' }), { actor: 't', onStaleLock: (i) => cleared.push(i.owner) });
    expect(cleared).toEqual([`999999999@${(await import('node:os')).hostname()}`]);
    store.fs.writeFileSync(lock, `meta-lock ${process.pid}@${(await import('node:os')).hostname()}\n`);
    expect(await errCode(store.append(() => ({ files: [{ path: 'c.pb', data: enc('c') }], message: 'c' }), { actor: 't', lockTimeoutMs: 150 }))).toBe('LOCK_TIMEOUT');
    store.fs.unlinkSync(lock);
  });
});

describe('diffRawTrees / RawTrees', () => {
  it('gives the same changes as the parsed diff, through file/folder swaps, and finds paths like Snapshot', async () => {
    const { store } = await storeWith([['x.pb']]);
    const o = store.objects;
    const blob = (s: string) => o.write('blob', enc(s));
    // Nested trees from a flat path → content map.
    const tree = (files: Record<string, string>): string => {
      const here = new Map<string, Record<string, string> | string>();
      for (const [p, v] of Object.entries(files)) {
        const [head, ...rest] = p.split('/');
        if (rest.length === 0) here.set(head!, v);
        else here.set(head!, { ...((here.get(head!) as Record<string, string> | undefined) ?? {}), [rest.join('/')]: v });
      }
      const entries = [...here].map(([name, v]) => (typeof v === 'string'
        ? { mode: '100644' as const, name, oid: blob(v) }
        : { mode: '40000' as const, name, oid: tree(v) }));
      return o.write('tree', encodeTree(entries));
    };
    const a = tree({ 'k/one.pb': '1', 'k/two.pb': '2', 'k.pb': 'f', 'swap': 'file', 'gone/deep/x.pb': 'x', 'same/s.pb': 's', 'm.pb': 'old' });
    const b = tree({ 'k/one.pb': '1', 'k/two.pb': '2b', 'k/three.pb': '3', 'k.pb': 'f', 'swap/now.pb': 'dir', 'same/s.pb': 's', 'm.pb': 'new', 'new/n.pb': 'n' });
    const sortByPath = (cs: Change[]) => [...cs].sort((p, q) => (p.path + p.status < q.path + q.status ? -1 : 1));
    for (const [from, to] of [[a, b], [b, a], [undefined, a], [b, undefined], [a, a]] as const) {
      const raw: Change[] = [];
      diffRawTrees(new RawTrees(o), from, to, '', raw);
      expect(sortByPath(raw)).toEqual(sortByPath(diffTrees(o, from, to)));
    }
    const changed: Change[] = [];
    diffRawTrees(new RawTrees(o), a, b, '', changed);
    expect(changed.map((c) => `${c.status} ${c.path}`).sort()).toEqual(['A k/three.pb', 'A new/n.pb', 'A swap/now.pb', 'D gone/deep/x.pb', 'D swap', 'M k/two.pb', 'M m.pb']);

    const trees = new RawTrees(o, 1); // a new generation on every read: lookups must not depend on the cache
    // What Snapshot#entry answers, on parsed trees.
    const parsed = (p: string) => p.split('/').reduce<string | undefined>((t, name, i, all) => {
      const e = t === undefined ? undefined : o.readTree(t).find((x) => x.name === name);
      return e && (i === all.length - 1 || e.mode === '40000') ? e.oid : undefined;
    }, b);
    for (const p of ['k/three.pb', 'k', 'k.pb', 'swap/now.pb', 'swap/now.pb/x', 'k.pb/x', 'nope', 'k/nope.pb', 'same/s.pb']) {
      expect(trees.entry(b, p)).toBe(parsed(p));
    }
    expect(trees.entry(b, 'k/three.pb')).toBe(blob('3'));
    expect(trees.entry(b, 'gone/deep/x.pb')).toBeUndefined();
  });
});

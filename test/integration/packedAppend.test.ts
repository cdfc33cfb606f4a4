import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildSync } from 'esbuild';
import { Volume, createFsFromVolume } from 'memfs';
import { Store } from '../../src/store/Store.js';
import { readIdx } from '../../src/store/packIdx.js';
import { GroupCommitter } from '../../src/serve/GroupCommitter.js';
import { fsck, git, tempDir } from '../helpers/diskRepo.js';

const ACTOR = 'test <t@example.com>';
const packsIn = (gitdir: string) => fs.readdirSync(`${gitdir}/objects/pack`).filter((n) => n.endsWith('.pack')).sort();
const looseIn = (gitdir: string) => fs.readdirSync(`${gitdir}/objects`).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => fs.readdirSync(`${gitdir}/objects/${d}`));
const record = (k: number, i: number) => Buffer.from(`record ${k}/${i} ${'x'.repeat(i % 7)}\n`);

/** `count` records in one group commit, under `g<k>/`. */
async function groupCommit(gc: GroupCommitter, k: number, count: number): Promise<string> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => gc.enqueue(() => ({ files: [{ path: `g${k}/r${i}.pb`, data: record(k, i) }], message: `record ${k}/${i}` }))));
  return results[0]!.commit;
}

/** Every object reachable from the tip, read by git (cat-file --batch) and by a fresh Store. */
function expectAllReadable(dir: string, groups: { k: number; count: number }[]): void {
  const all = git(['--git-dir', dir, 'rev-list', '--objects', '--all']).trim().split('\n').map((l) => l.slice(0, 40));
  const out = git(['--git-dir', dir, 'cat-file', '--batch-check'], { input: `${all.join('\n')}\n` });
  expect(out).not.toContain('missing');
  expect(out.trim().split('\n')).toHaveLength(all.length);
  const store = Store.open({ fs, dir });
  try {
    for (const oid of all) expect(store.objects.tryRead(oid)).toBeDefined();
    const snap = store.snapshot();
    for (const { k, count } of groups) for (let i = 0; i < count; i++) expect(Buffer.from(snap.read(`g${k}/r${i}.pb`)!)).toEqual(record(k, i));
  } finally {
    store.close();
  }
}

describe('group commits written as packs', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('meta-packed-');
  });
  afterAll(() => tmp.cleanup());

  it('writes a group commit of many records as one pack git accepts', async () => {
    const dir = `${tmp.dir}/one`;
    const store = Store.init({ fs, dir, fsyncObjects: true });
    const gc = new GroupCommitter(store, { actor: ACTOR });
    const commit = await groupCommit(gc, 0, 200);
    expect(gc.commits).toBe(1);
    expect(looseIn(dir)).toEqual([]);
    const packs = packsIn(dir);
    expect(packs).toHaveLength(1);
    expect(fs.existsSync(`${dir}/meta-cache/packs/${packs[0]!.slice(0, -5)}`)).toBe(true);
    expect(fs.readdirSync(`${dir}/objects/pack`).filter((n) => n.startsWith('tmp_'))).toEqual([]);
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    const verify = git(['--git-dir', dir, 'verify-pack', '-v', `${dir}/objects/pack/${packs[0]!.slice(0, -5)}.idx`]);
    // 200 blobs, the g0 and root trees, the commit; no deltas.
    expect(verify).toMatch(/non delta: 203 objects/);
    expect(git(['--git-dir', dir, 'rev-parse', 'main']).trim()).toBe(commit);
    expectAllReadable(dir, [{ k: 0, count: 200 }]);
    // The same process reads its own new objects (the pack listing was refreshed).
    expect(Buffer.from(store.snapshot().read('g0/r7.pb')!)).toEqual(record(0, 7));
    store.close();
  });

  it('packs and merges on memfs too (the fs the unit tests use)', async () => {
    const mem = createFsFromVolume(new Volume()) as unknown as typeof fs;
    const store = Store.init({ fs: mem, dir: '/r', packLimit: 2 });
    for (let k = 0; k < 3; k++) await store.append(() => ({ files: Array.from({ length: 20 }, (_, i) => ({ path: `g${k}/r${i}.pb`, data: record(k, i) })), message: `group ${k}` }), { actor: ACTOR });
    expect(mem.readdirSync('/r/objects/pack').filter((n) => n.endsWith('.pack'))).toHaveLength(1);
    const fresh = Store.open({ fs: mem, dir: '/r' });
    for (let k = 0; k < 3; k++) expect(Buffer.from(fresh.snapshot().read(`g${k}/r19.pb`)!)).toEqual(record(k, 19));
  });

  it('keeps a small append loose', async () => {
    const dir = `${tmp.dir}/small`;
    const store = Store.init({ fs, dir });
    await store.append(() => ({ files: [{ path: 'a/b.pb', data: Buffer.from('b') }], message: 'one' }), { actor: ACTOR });
    expect(packsIn(dir)).toEqual([]);
    expect(looseIn(dir)).toHaveLength(4);
    store.close();
  });

  it('a lost compare-and-swap leaves one pack, and the retry reuses its blobs', async () => {
    const dir = `${tmp.dir}/cas`;
    const store = Store.init({ fs, dir });
    const other = Store.open({ fs, dir });
    let calls = 0;
    const files = Array.from({ length: 30 }, (_, i) => ({ path: `g0/r${i}.pb`, data: record(0, i) }));
    const res = await store.append(async () => {
      // Another writer lands first, once: the first attempt loses the CAS.
      if (calls++ === 0) await other.append(() => ({ files: [{ path: 'other.pb', data: Buffer.from('o') }], message: 'other' }), { actor: ACTOR });
      return { files, message: 'thirty' };
    }, { actor: ACTOR });
    expect(res.attempts).toBe(2);
    // The retry's blobs were already in the lost attempt's pack: only 2 trees + 1 commit are new, written loose.
    expect(packsIn(dir)).toHaveLength(1);
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    expectAllReadable(dir, [{ k: 0, count: 30 }]);
    other.close();
    store.close();
  });

  it('merges its packs once there are more than packLimit, deleting only its own', async () => {
    const dir = `${tmp.dir}/merge`;
    const store = Store.init({ fs, dir, packLimit: 4 });
    // A pack someone else wrote (git itself): never merged, never deleted.
    const foreign = git(['--git-dir', dir, 'pack-objects', `${dir}/objects/pack/pack`], { input: '' }).trim();
    const gc = new GroupCommitter(store, { actor: ACTOR });
    const groups: { k: number; count: number }[] = [];
    for (let k = 0; k < 4; k++) {
      await groupCommit(gc, k, 20);
      groups.push({ k, count: 20 });
    }
    const before = packsIn(dir);
    expect(before).toHaveLength(5);
    await groupCommit(gc, 4, 20);
    groups.push({ k: 4, count: 20 });
    const after = packsIn(dir);
    // Five similar packs of ours: one merged pack, plus the foreign one.
    expect(after).toHaveLength(2);
    expect(after).toContain(`pack-${foreign}.pack`);
    expect(fs.readdirSync(`${dir}/meta-cache/packs`)).toHaveLength(1);
    const merged = after.find((p) => p !== `pack-${foreign}.pack`)!;
    expect(before).not.toContain(merged);
    expect(git(['--git-dir', dir, 'verify-pack', '-v', `${dir}/objects/pack/${merged.slice(0, -5)}.idx`])).toMatch(/non delta: \d+ objects/);
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    expectAllReadable(dir, groups);
    // The writing process still reads everything (its pack listing forgot the deleted packs).
    const snap = store.snapshot();
    for (const { k, count } of groups) for (let i = 0; i < count; i++) expect(Buffer.from(snap.read(`g${k}/r${i}.pb`)!)).toEqual(record(k, i));
    // git's own maintenance accepts the layout.
    git(['--git-dir', dir, 'gc', '--quiet']);
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    expectAllReadable(dir, groups);
    await groupCommit(gc, 5, 20);
    groups.push({ k: 5, count: 20 });
    git(['--git-dir', dir, 'repack', '-a', '-d', '-q']);
    expectAllReadable(dir, groups);
    store.close();
  });

  it('a reader whose pack listing predates a consolidation re-lists and finds the merged pack', async () => {
    const dir = `${tmp.dir}/stale`;
    const writer = Store.init({ fs, dir, packLimit: 3 });
    const gc = new GroupCommitter(writer, { actor: ACTOR });
    for (let k = 0; k < 3; k++) await groupCommit(gc, k, 20);
    const old = packsIn(dir).map((p) => `${dir}/objects/pack/${p.slice(0, -5)}`);
    expect(old).toHaveLength(3);
    const firstOf = (base: string) => readIdx(fs.readFileSync(`${base}.idx`)).oids[0]!;
    const reader = Store.open({ fs, dir });
    // Found in the last pack: every idx is loaded on the way, only the last pack is opened.
    expect(reader.objects.tryRead(firstOf(old[2]!))).toBeDefined();
    const firstOid = firstOf(old[0]!);
    await groupCommit(gc, 3, 20);
    expect(packsIn(dir)).toHaveLength(1);
    for (const base of old) expect(fs.existsSync(`${base}.pack`)).toBe(false);
    // Its idx is in memory but the pack file is gone: ENOENT on open, re-list, merged pack (the
    // reader checks each object's hash, so the right type is the right object).
    expect(reader.objects.read(firstOid).type).toBe(git(['--git-dir', dir, 'cat-file', '-t', firstOid]).trim());
    // Written after the reader listed the packs: found after a refresh.
    expect(Buffer.from(reader.snapshot(writer.tip()).read('g3/r5.pb')!)).toEqual(record(3, 5));
    reader.close();
    writer.close();
  });

  it('a reader in another process keeps reading through consolidations', async () => {
    const dir = `${tmp.dir}/reader`;
    const store = Store.init({ fs, dir, packLimit: 2 });
    const gc = new GroupCommitter(store, { actor: ACTOR });
    const groups: { k: number; count: number }[] = [];
    for (let k = 0; k < 3; k++) {
      await groupCommit(gc, k, 20);
      groups.push({ k, count: 20 });
    }
    const bundle = `${tmp.dir}/reader.mjs`;
    buildSync({ entryPoints: [new URL('./packedAppendReader.ts', import.meta.url).pathname], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const child = spawn(process.execPath, [bundle, dir, '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let merges = 0;
    try {
      for (let k = 3; k < 15; k++) {
        const n = packsIn(dir).length;
        await groupCommit(gc, k, 20);
        groups.push({ k, count: 20 });
        if (packsIn(dir).length <= n) merges++;
        // Let the reader run between commits (it reads everything each round).
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      fs.writeFileSync(`${dir}/stop-reader`, '');
    }
    const last = (await lines.next()).value as string;
    expect(await exited).toBe(0);
    expect(last).not.toMatch(/^ERROR/);
    expect(JSON.parse(last).rounds).toBeGreaterThan(0);
    expect(merges).toBeGreaterThanOrEqual(3);
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    expectAllReadable(dir, groups);
    store.close();
  }, 60_000);
});

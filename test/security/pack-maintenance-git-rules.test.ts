import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { Store } from '../../src/store/Store.js';
import { readIdx } from '../../src/store/packIdx.js';
import { fsck, git, tempDir } from '../helpers/diskRepo.js';

/**
 * boot-meta merges the small packs it writes. Git has rules about which packs may be deleted, and
 * `git repack` follows them; so must the merge: a pack a multi-pack-index lists stays (else git
 * fsck and every git reader fail on the index), a pack with a `.keep` or `.promisor` is neither
 * merged nor deleted, and with `extensions.preciousObjects` no pack is deleted at all.
 */

const ACTOR = 'sec <sec@example.com>';
const record = (k: number, i: number) => Buffer.from(`record ${k}/${i} ${'x'.repeat(i % 5)}\n`);
const packsIn = (gitdir: string) => fs.readdirSync(`${gitdir}/objects/pack`).filter((n) => n.endsWith('.pack')).map((n) => n.slice(5, -5)).sort();

/** One append of 20 records: written as one pack (more than packMinObjects new objects). */
async function appendGroup(store: Store, k: number): Promise<void> {
  await store.append(() => ({ files: Array.from({ length: 20 }, (_, i) => ({ path: `g${k}/r${i}.pb`, data: record(k, i) })), message: `group ${k}` }), { actor: ACTOR });
}

/** Every record of groups 0..k-1 read back by a fresh Store, and every reachable object by git. */
function expectAllReadable(dir: string, groups: number): void {
  const all = git(['--git-dir', dir, 'rev-list', '--objects', '--all']).trim().split('\n').map((l) => l.slice(0, 40));
  expect(git(['--git-dir', dir, 'cat-file', '--batch-check'], { input: `${all.join('\n')}\n` })).not.toContain('missing');
  const store = Store.open({ fs, dir });
  try {
    const snap = store.snapshot();
    for (let k = 0; k < groups; k++) for (let i = 0; i < 20; i++) expect(Buffer.from(snap.read(`g${k}/r${i}.pb`)!)).toEqual(record(k, i));
  } finally {
    store.close();
  }
}

describe('pack merges follow git repack\'s rules', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('meta-sec-packrules-');
  });
  afterAll(() => tmp.cleanup());

  it('never deletes a pack that the multi-pack-index lists; git fsck --strict keeps passing', async () => {
    const dir = `${tmp.dir}/midx`;
    const warnings: string[] = [];
    const store = Store.init({ fs, dir, packLimit: 3, warn: (m) => warnings.push(m) });
    for (let k = 0; k < 3; k++) await appendGroup(store, k);
    const listed = packsIn(dir);
    expect(listed).toHaveLength(3);
    git(['--git-dir', dir, 'multi-pack-index', 'write']);
    expect(fs.existsSync(`${dir}/objects/pack/multi-pack-index`)).toBe(true);
    const before = new Set(listed);
    let merges = 0;
    for (let k = 3; k < 10; k++) {
      const n = packsIn(dir).length;
      await appendGroup(store, k);
      if (packsIn(dir).length <= n) merges++;
    }
    // Every listed pack is still there, and the index still verifies.
    const after = packsIn(dir);
    for (const id of listed) expect(after).toContain(id);
    git(['--git-dir', dir, 'multi-pack-index', 'verify']);
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    expectAllReadable(dir, 10);
    // The packs written after the index are still merged among themselves.
    expect(merges).toBeGreaterThan(0);
    expect(after.filter((id) => !before.has(id)).length).toBeLessThan(7);
    expect(warnings).toEqual([]);
    store.close();
  });

  it('neither merges nor deletes a pack with a .keep or a .promisor file', async () => {
    const dir = `${tmp.dir}/keep`;
    const store = Store.init({ fs, dir, packLimit: 2 });
    await appendGroup(store, 0);
    await appendGroup(store, 1);
    const [a, b] = packsIn(dir);
    fs.writeFileSync(`${dir}/objects/pack/pack-${a}.keep`, 'kept by an operator\n');
    fs.writeFileSync(`${dir}/objects/pack/pack-${b}.promisor`, '');
    const keptBytes = { a: fs.readFileSync(`${dir}/objects/pack/pack-${a}.pack`), b: fs.readFileSync(`${dir}/objects/pack/pack-${b}.pack`) };
    const keptOids = new Set([a, b].flatMap((id) => readIdx(fs.readFileSync(`${dir}/objects/pack/pack-${id}.idx`)).oids));
    for (let k = 2; k < 9; k++) await appendGroup(store, k);
    const after = packsIn(dir);
    expect(after).toContain(a);
    expect(after).toContain(b);
    expect(fs.readFileSync(`${dir}/objects/pack/pack-${a}.pack`).equals(keptBytes.a)).toBe(true);
    expect(fs.readFileSync(`${dir}/objects/pack/pack-${b}.pack`).equals(keptBytes.b)).toBe(true);
    // Merging still happened, and none of the kept packs' objects went into another pack.
    expect(after.length).toBeLessThan(9);
    for (const id of after.filter((x) => x !== a && x !== b)) {
      for (const oid of readIdx(fs.readFileSync(`${dir}/objects/pack/pack-${id}.idx`)).oids) expect(keptOids.has(oid)).toBe(false);
    }
    expect(fsck(dir)).toEqual({ status: 0, output: '' });
    expectAllReadable(dir, 9);
    store.close();
  });

  const precious: { name: string; set: (dir: string) => void }[] = [
    { name: 'repositoryformatversion 1', set: (dir) => { git(['--git-dir', dir, 'config', 'core.repositoryformatversion', '1']); git(['--git-dir', dir, 'config', 'extensions.preciousObjects', 'true']); } },
    { name: 'repositoryformatversion 0', set: (dir) => git(['--git-dir', dir, 'config', 'extensions.preciousObjects', 'yes']) },
    // A bare name means true; section and name are case-insensitive.
    { name: 'written by hand', set: (dir) => fs.appendFileSync(`${dir}/config`, '[Extensions] # by hand\n\tPreciousObjects\n') },
  ];
  for (const [n, variant] of precious.entries()) {
    it(`deletes no pack at all with extensions.preciousObjects (${variant.name})`, async () => {
      const dir = `${tmp.dir}/precious-${n}`;
      const store = Store.init({ fs, dir, packLimit: 2 });
      variant.set(dir);
      const seen = new Set<string>();
      for (let k = 0; k < 6; k++) {
        await appendGroup(store, k);
        for (const id of packsIn(dir)) seen.add(id);
      }
      // git itself refuses to delete a pack here; every pack ever written is still in place.
      expect(() => git(['--git-dir', dir, 'repack', '-a', '-d', '-q'])).toThrow(/cannot delete packs in a precious-objects repo/);
      expect(packsIn(dir)).toEqual([...seen].sort());
      expect(seen.size).toBe(6);
      expect(fsck(dir)).toEqual({ status: 0, output: '' });
      expectAllReadable(dir, 6);
      store.close();
    });
  }
});

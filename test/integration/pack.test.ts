import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PackSet } from '../../src/store/PackSet.js';
import type { RawObject } from '../../src/store/gitObjects.js';

/**
 * PackSet against packs written by the real git: every object git lists must come back with the
 * same type and bytes as `git cat-file --batch`. The repositories are built so that git emits the
 * entry kinds we must handle (OFS_DELTA with deep chains, REF_DELTA, fixed thin packs, several packs).
 */

let tmp: string;

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  // git's threaded delta search splits the object list between threads, so the chains it finds
  // (and the depths the tests assert) depend on timing; one thread makes them the same every run.
  // Fixed dates make every object id, and so git's sort order for the delta search, the same
  // from run to run.
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'pack.threads',
  GIT_CONFIG_VALUE_0: '1',
};

function git(cwd: string, args: string[], input?: string | Buffer): Buffer {
  return execFileSync('git', args, { cwd, env: ENV, input, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Every object of the repository, parsed from one `git cat-file --batch-all-objects --batch` run. */
function allObjects(repo: string): Map<string, RawObject> {
  const out = git(repo, ['cat-file', '--batch-all-objects', '--batch']);
  const objects = new Map<string, RawObject>();
  let p = 0;
  while (p < out.length) {
    const nl = out.indexOf(10, p);
    const [oid, type, size] = out.toString('latin1', p, nl).split(' ');
    const start = nl + 1;
    const end = start + Number(size);
    objects.set(oid!, { type: type as RawObject['type'], data: out.subarray(start, end) });
    p = end + 1; // content is followed by a newline
  }
  return objects;
}

function packDir(repo: string): string {
  return path.join(repo, '.git', 'objects', 'pack');
}

function idxFiles(repo: string): string[] {
  return fs.readdirSync(packDir(repo)).filter((n) => n.endsWith('.idx')).map((n) => path.join(packDir(repo), n));
}

/** Entry type (1-4, 6 ofs-delta, 7 ref-delta) of every entry of a pack, located with `git show-index`. */
function entryTypes(repo: string, idxPath: string): number[] {
  const listing = git(repo, ['show-index'], fs.readFileSync(idxPath)).toString('utf8');
  const fd = fs.openSync(idxPath.replace(/\.idx$/, '.pack'), 'r');
  try {
    const b = Buffer.alloc(1);
    return listing
      .trim()
      .split('\n')
      .map((line) => {
        fs.readSync(fd, b, 0, 1, Number(line.split(' ')[0]));
        return (b[0]! >> 4) & 7;
      });
  } finally {
    fs.closeSync(fd);
  }
}

/** Compares every object git knows with what PackSet reads. Returns how many were compared. */
function compareAll(repo: string, packs: PackSet): number {
  const expected = allObjects(repo);
  expect(expected.size).toBeGreaterThan(0);
  for (const [oid, want] of expected) {
    const got = packs.read(oid);
    if (!got) throw new Error(`PackSet does not find ${oid}`);
    expect(got.type, oid).toBe(want.type);
    if (!Buffer.from(got.data).equals(want.data)) throw new Error(`content of ${oid} differs`);
    expect(packs.has(oid)).toBe(true);
  }
  expect(new Set(packs.oids())).toEqual(new Set(expected.keys()));
  return expected.size;
}

/** A ~2 KB text shared by all files, so git finds deltas between different files too. */
const COMMON = Array.from({ length: 60 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog`).join('\n');

function writeFiles(repo: string, round: number, names: string[]): void {
  for (const name of names) {
    fs.writeFileSync(path.join(repo, name), `${name}\n${COMMON}\nround ${round} of ${name}\n`);
  }
}

/** Appends to one "hot" file every commit: its versions form one long delta chain. */
function commitRounds(repo: string, from: number, to: number, fileCount: number): void {
  for (let r = from; r < to; r++) {
    const names = Array.from({ length: 8 }, (_, k) => `f${String((r * 7 + k * 37) % fileCount).padStart(3, '0')}.txt`);
    writeFiles(repo, r, names);
    fs.appendFileSync(path.join(repo, 'hot.txt'), `entry ${r}: ${'x'.repeat(r % 13)} ${COMMON.slice(0, 80)}\n`);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', `round ${r}`]);
  }
}

let repoA: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boot-meta-pack-'));
  repoA = path.join(tmp, 'a');
  fs.mkdirSync(repoA);
  git(repoA, ['init', '-q', '-b', 'main']);
  // ~300 near-duplicate files, then 60 commits touching 8 of them plus the hot file each.
  const names = Array.from({ length: 300 }, (_, i) => `f${String(i).padStart(3, '0')}.txt`);
  fs.mkdirSync(path.join(repoA, 'sub'));
  fs.writeFileSync(path.join(repoA, 'sub', 'nested.txt'), 'nested\n');
  writeFiles(repoA, -1, names);
  fs.writeFileSync(path.join(repoA, 'hot.txt'), 'hot\n');
  fs.writeFileSync(path.join(repoA, 'empty.txt'), '');
  git(repoA, ['add', '-A']);
  git(repoA, ['commit', '-q', '-m', 'initial']);
  commitRounds(repoA, 0, 60, 300);
  git(repoA, ['tag', '-a', '-m', 'annotated tag', 'v1']);
  git(repoA, ['repack', '-adf', '--depth=50', '--window=250']);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('PackSet on packs written by git', () => {
  it('reads every object of an aggressively repacked repository (ofs-deltas, deep chains)', () => {
    const idx = idxFiles(repoA);
    expect(idx).toHaveLength(1);
    const types = entryTypes(repoA, idx[0]!);
    expect(types.filter((t) => t === 6).length).toBeGreaterThan(100);
    // git reports the delta chain histogram: make sure the chains really are deep.
    const verify = git(repoA, ['verify-pack', '-v', idx[0]!]).toString('utf8');
    const depths = [...verify.matchAll(/chain length = (\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(20);

    const packs = new PackSet(fs, path.join(repoA, '.git'));
    try {
      const n = compareAll(repoA, packs);
      expect(n).toBeGreaterThan(800);
      const kinds = new Set([...allObjects(repoA).values()].map((o) => o.type));
      expect(kinds).toEqual(new Set(['blob', 'tree', 'commit', 'tag']));
      expect(packs.read('0'.repeat(40))).toBeUndefined();
      expect(packs.has('0'.repeat(40))).toBe(false);
    } finally {
      packs.close();
    }
  });

  it('reads deep chains with a tiny base cache, and again after close()', () => {
    const packs = new PackSet(fs, path.join(repoA, '.git'), { cacheBytes: 4096 });
    try {
      const hot = git(repoA, ['rev-list', '--objects', '--all']).toString('utf8');
      const hotOids = hot
        .split('\n')
        .filter((l) => l.endsWith(' hot.txt'))
        .map((l) => l.split(' ')[0]!);
      expect(hotOids.length).toBeGreaterThan(50);
      const want = allObjects(repoA);
      for (const oid of hotOids) expect(Buffer.from(packs.read(oid)!.data).equals(want.get(oid)!.data)).toBe(true);
      packs.close();
      for (const oid of hotOids.reverse()) expect(Buffer.from(packs.read(oid)!.data).equals(want.get(oid)!.data)).toBe(true);
    } finally {
      packs.close();
    }
  });

  it('reads across two packs and picks up a new pack on refresh()', () => {
    const repo = path.join(tmp, 'two');
    git(tmp, ['clone', '-q', '--no-local', repoA, repo]);
    git(repo, ['repack', '-adf']);
    const packs = new PackSet(fs, path.join(repo, '.git'));
    try {
      const before = compareAll(repo, packs);
      commitRounds(repo, 60, 75, 300);
      git(repo, ['repack', '-d']); // incremental: packs only the new loose objects
      expect(idxFiles(repo)).toHaveLength(2);
      const head = git(repo, ['rev-parse', 'HEAD']).toString().trim();
      expect(packs.has(head)).toBe(false); // listing is cached until refresh()
      packs.refresh();
      expect(packs.read(head)?.type).toBe('commit');
      expect(compareAll(repo, packs)).toBeGreaterThan(before);
    } finally {
      packs.close();
    }
  });

  it('reads REF_DELTA entries (repack.useDeltaBaseOffset=false)', () => {
    const repo = path.join(tmp, 'ref');
    git(tmp, ['clone', '-q', '--no-local', repoA, repo]);
    git(repo, ['-c', 'repack.useDeltaBaseOffset=false', 'repack', '-adf', '--depth=50', '--window=250']);
    const idx = idxFiles(repo);
    expect(idx).toHaveLength(1);
    const types = entryTypes(repo, idx[0]!);
    expect(types.filter((t) => t === 7).length).toBeGreaterThan(100);
    expect(types).not.toContain(6);
    const packs = new PackSet(fs, path.join(repo, '.git'));
    try {
      compareAll(repo, packs);
    } finally {
      packs.close();
    }
  });

  it('reads a fetched thin pack completed by index-pack --fix-thin', () => {
    const upstream = path.join(tmp, 'up');
    const repo = path.join(tmp, 'thin');
    git(tmp, ['clone', '-q', '--bare', '--no-local', repoA, upstream]);
    git(tmp, ['clone', '-q', `file://${upstream}`, repo]);
    // New versions of files the clone already has, pushed upstream from a third clone.
    const work = path.join(tmp, 'work');
    git(tmp, ['clone', '-q', `file://${upstream}`, work]);
    commitRounds(work, 100, 110, 300);
    git(work, ['push', '-q', 'origin', 'main']);
    const before = new Set(idxFiles(repo));
    // unpackLimit=1 keeps the fetched pack as a pack instead of exploding it into loose objects.
    git(repo, ['-c', 'fetch.unpackLimit=1', '-c', 'transfer.unpackLimit=1', 'fetch', '-q', 'origin']);
    const fetched = idxFiles(repo).filter((p) => !before.has(p));
    expect(fetched).toHaveLength(1);
    // Thin-pack deltas against objects the receiver already had stay REF_DELTA after --fix-thin.
    expect(entryTypes(repo, fetched[0]!)).toContain(7);
    const packs = new PackSet(fs, path.join(repo, '.git'));
    try {
      compareAll(repo, packs);
    } finally {
      packs.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { PackSet } from '../../src/store/PackSet.js';
import type { SyncFs } from '../../src/store/fs.js';

const git = (dir: string, args: string[], input?: string) => execFileSync('git', ['-C', dir, ...args], { input, maxBuffer: 1 << 28 });

/**
 * A large idx is read slice by slice (fanout bucket by bucket) instead of whole; both ways must
 * find, locate and enumerate exactly the same objects, for idx v2 and v1, and miss the same ones.
 */
describe('PackSet reading a large idx through positioned reads', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meta-idx-'));
    git(dir, ['init', '-q', '--bare']);
    // ~3,000 objects with deltas: 1,000 commits, each adding a similar file in a growing tree.
    let stream = '';
    for (let i = 0; i < 1000; i++) {
      const body = `record ${i} ${'x'.repeat(40)} ${i % 7}\n`;
      stream += `commit refs/heads/main\ncommitter t <t@x> ${1700000000 + i} +0000\ndata 2\nc\n${i === 0 ? '' : ''}M 100644 inline d${i % 13}/f${i}.pb\ndata ${body.length}\n${body}\n`;
    }
    git(dir, ['fast-import', '--quiet'], stream);
    git(dir, ['repack', '-adq']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function compare(idxVersion: 1 | 2): number {
    const packDir = join(dir, 'objects/pack');
    if (idxVersion === 1) {
      const pack = readdirSync(packDir).find((n) => n.endsWith('.pack'))!;
      rmSync(join(packDir, pack.replace(/\.pack$/, '.idx')));
      git(dir, ['index-pack', '--index-version=1', join(packDir, pack)]);
    }
    const whole = new PackSet(fs as unknown as SyncFs, dir);
    const sliced = new PackSet(fs as unknown as SyncFs, dir, { wholeIdxMax: 0 });
    const all = [...whole.oids()];
    expect([...sliced.oids()]).toEqual(all);
    for (const oid of all) {
      const a = whole.read(oid)!;
      const b = sliced.read(oid)!;
      expect(b.type).toBe(a.type);
      expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    }
    for (const miss of ['0'.repeat(40), 'f'.repeat(40), `${all[0]!.slice(0, 39)}${all[0]!.endsWith('0') ? '1' : '0'}`]) {
      if (all.includes(miss)) continue;
      expect(sliced.has(miss)).toBe(false);
      expect(sliced.read(miss)).toBeUndefined();
    }
    whole.close();
    sliced.close();
    return all.length;
  }

  it('agrees with reading the whole idx (v2)', () => {
    expect(compare(2)).toBeGreaterThan(2500);
  });

  it('agrees with reading the whole idx (v1)', () => {
    expect(compare(1)).toBeGreaterThan(2500);
  });
});

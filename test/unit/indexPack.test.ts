import { afterAll, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { SyncFs } from '../../src/store/fs.js';
import { MetaError } from '../../src/errors/MetaError.js';
import { indexPack, installPack } from '../../src/remote/indexPack.js';
import { cleanupTmp, git, tmp } from '../helpers/remoteFixtures.js';

afterAll(cleanupTmp);

const fs = nodeFs as unknown as SyncFs;

/** A repository whose history makes long delta chains (one growing file, many small ones), repacked by git. */
function deltaPack(): { dir: string; pack: string; idx: string } {
  const dir = tmp('meta-indexpack-');
  git(['init', '-q', dir]);
  let text = '';
  for (let i = 1; i <= 120; i++) {
    text += `line ${i} ${'abcdefgh'.repeat(i % 13)}\n`;
    writeFileSync(`${dir}/grow.txt`, text);
    writeFileSync(`${dir}/f${i % 9}.txt`, `${i}\n${text.slice(0, 200)}`);
    git(['add', '-A'], { cwd: dir });
    git(['commit', '-q', '-m', `c${i}`], { cwd: dir });
  }
  git(['repack', '-adfq', '--depth=50', '--window=50'], { cwd: dir });
  const packDir = `${dir}/.git/objects/pack`;
  const name = readdirSync(packDir).find((f) => f.endsWith('.pack'))!;
  return { dir, pack: `${packDir}/${name}`, idx: `${packDir}/${name.replace(/\.pack$/, '.idx')}` };
}

describe('indexPack', () => {
  const fx = deltaPack();

  it('writes the same .idx as git index-pack for a pack with ofs-delta chains', () => {
    const verify = git(['verify-pack', '-v', fx.idx]);
    // Lines of deltified objects carry a chain depth and a base: the fixture must really have chains.
    const chained = verify.split('\n').filter((l) => /^[0-9a-f]{40} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l));
    expect(chained.length).toBeGreaterThan(50);
    expect(Math.max(...chained.map((l) => Number(l.split(/ +/)[5])))).toBeGreaterThan(5);
    const r = indexPack(fs, fx.pack);
    expect(r.id).toBe(fx.pack.match(/pack-([0-9a-f]{40})\.pack$/)![1]);
    expect(r.idx.equals(readFileSync(fx.idx))).toBe(true);
    // With no room to keep inflated deltas, pass 2 re-reads them from the file: same result.
    expect(indexPack(fs, fx.pack, { deltaBudget: 1000 }).idx.equals(r.idx)).toBe(true);
  });

  it('indexes a pack with ref-deltas (as sent without ofs-delta) identically to git', () => {
    const out = tmp('meta-indexpack-ref-');
    const revs = git(['rev-list', '--objects', '--all'], { cwd: fx.dir });
    const name = git(['pack-objects', '-q', '--no-reuse-delta', '--depth=20', `${out}/p`], { cwd: fx.dir, input: revs }).trim();
    // pack-objects without --delta-base-offset writes REF_DELTA entries; the pack must have deltas.
    expect(git(['verify-pack', '-v', `${out}/p-${name}.idx`]).split('\n').filter((l) => / [0-9a-f]{40}$/.test(l)).length).toBeGreaterThan(50);
    const pack = `${out}/p-${name}.pack`;
    const r = indexPack(fs, pack);
    expect(r.idx.equals(readFileSync(`${out}/p-${name}.idx`))).toBe(true);
  });

  it('installs pack and idx under their final names, and git fsck accepts the result', () => {
    const clone = tmp('meta-indexpack-inst-');
    git(['init', '-q', '--bare', clone]);
    const packDir = `${clone}/objects/pack`;
    copyFileSync(fx.pack, `${packDir}/tmp_pack_test`);
    const res = installPack(fs, packDir, `${packDir}/tmp_pack_test`);
    expect(readdirSync(packDir).sort()).toEqual([`pack-${res.id}.idx`, `pack-${res.id}.pack`]);
    const tip = git(['rev-parse', 'HEAD'], { cwd: fx.dir }).trim();
    git(['--git-dir', clone, 'update-ref', 'refs/heads/main', tip]);
    git(['--git-dir', clone, 'fsck', '--strict', '--no-progress']);
  });

  it('refuses a pack whose checksum or data is damaged', () => {
    const out = tmp('meta-indexpack-bad-');
    const raw = readFileSync(fx.pack);
    const flipped = Buffer.from(raw);
    flipped[flipped.length - 1]! ^= 1;
    writeFileSync(`${out}/a`, flipped);
    expect(() => indexPack(fs, `${out}/a`)).toThrow(/checksum mismatch/);
    writeFileSync(`${out}/b`, raw.subarray(0, raw.length - 100));
    expect(() => indexPack(fs, `${out}/b`)).toThrow(MetaError);
  });
});

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT, tempDir } from '../helpers/diskRepo.js';

describe('generated protobuf code', () => {
  it('is what `npm run gen` produces from proto/ (regenerate and commit when this fails)', () => {
    const { dir, cleanup } = tempDir();
    try {
      execFileSync(process.execPath, [`${REPO_ROOT}/scripts/gen.mjs`, '--out', dir]);
      for (const f of ['meta.js', 'meta.d.ts']) {
        expect(readFileSync(`${dir}/${f}`, 'utf8'), `src/gen/${f} is stale: run npm run gen`).toBe(readFileSync(`${REPO_ROOT}/src/gen/${f}`, 'utf8'));
      }
    } finally {
      cleanup();
    }
  });

  it('has no map fields (maps encode in insertion order: not deterministic)', () => {
    const protos = execFileSync('sh', ['-c', `cat ${REPO_ROOT}/proto/meta/v1/*.proto`], { encoding: 'utf8' });
    expect(protos).not.toMatch(/\bmap\s*</);
  });
});

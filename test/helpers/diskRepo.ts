import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsck as fsckAll } from './remoteFixtures.js';

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'meta-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { git } from './remoteFixtures.js';

/** `git fsck --strict` without dangling objects: exit status and output ('' when clean). */
export function fsck(gitdir: string): { status: number; output: string } {
  return fsckAll(gitdir, { dangling: false });
}

export const REPO_ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const META_BIN = `${REPO_ROOT}/bin/meta`;

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'meta-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs real git and returns stdout (throws with stderr on failure). */
export function git(args: string[], opts: { cwd?: string; input?: string | Buffer } = {}): string {
  return execFileSync('git', args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
}

/** `git fsck --strict` on a repository: returns its exit status and output. */
export function fsck(gitdir: string): { status: number; output: string } {
  const r = spawnSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export const REPO_ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const META_BIN = `${REPO_ROOT}/bin/meta`;

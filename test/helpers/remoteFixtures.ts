import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A fresh temporary directory; `cleanup()` removes every one made. */
const made: string[] = [];
export function tmp(prefix = 'meta-remote-'): string {
  const d = mkdtempSync(`${tmpdir()}/${prefix}`);
  made.push(d);
  return d;
}
export function cleanupTmp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function git(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): string {
  return execFileSync('git', args, {
    cwd: opts.cwd, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', ...opts.env },
  });
}

/**
 * Runs `git fsck --strict` and returns its exit status and output (0 = clean). `dangling: false`
 * leaves out dangling objects (a lost compare-and-swap attempt leaves some behind, harmlessly).
 */
export function fsck(gitdir: string, opts: { dangling?: boolean } = {}): { status: number; output: string } {
  try {
    const args = ['--git-dir', gitdir, 'fsck', '--strict', '--no-progress', ...(opts.dangling === false ? ['--no-dangling'] : [])];
    const out = execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, output: out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: `${err.stdout}${err.stderr}` };
  }
}

/** An empty bare repository a server can serve (`<root>/<name>`). */
export function bareRepo(root: string, name = 'meta.git'): string {
  const dir = `${root}/${name}`;
  git(['init', '-q', '--bare', '--initial-branch=main', dir]);
  return dir;
}

export const hex40 = (c: string) => c.repeat(40).slice(0, 40);

/** Writes a blob with real git, returns its id. */
export function gitBlob(gitdir: string, data: Uint8Array | string): string {
  return execFileSync('git', ['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { input: data, encoding: 'utf8' }).trim();
}

/**
 * Makes a commit on `branch` with plain git plumbing (a temporary index, no working tree), the way
 * someone bypassing boot-meta would: `put` adds or replaces files, `remove` deletes them.
 */
export function plumbingCommit(gitdir: string, change: { put?: Record<string, string>; remove?: string[] }, message: string, opts: { branch?: string; update?: boolean } = {}): string {
  const branch = opts.branch ?? 'main';
  const index = `${tmp('meta-index-')}/index`;
  const env = { GIT_INDEX_FILE: index };
  git(['--git-dir', gitdir, 'read-tree', branch], { env });
  // --index-info works without a work tree; mode 0 removes an entry.
  const lines = [...(change.remove ?? []).map((p) => `0 ${'0'.repeat(40)}\t${p}`), ...Object.entries(change.put ?? {}).map(([p, oid]) => `100644 ${oid}\t${p}`)];
  git(['--git-dir', gitdir, 'update-index', '--index-info'], { env, input: `${lines.join('\n')}\n` });
  const tree = git(['--git-dir', gitdir, 'write-tree'], { env }).trim();
  const parent = git(['--git-dir', gitdir, 'rev-parse', branch]).trim();
  const commit = git(['--git-dir', gitdir, 'commit-tree', tree, '-p', parent, '-m', message]).trim();
  if (opts.update !== false) git(['--git-dir', gitdir, 'update-ref', `refs/heads/${branch}`, commit, parent]);
  return commit;
}

/** `git ls-tree` of one path at a commit: its blob id. */
export function blobAt(gitdir: string, rev: string, path: string): string {
  return git(['--git-dir', gitdir, 'rev-parse', `${rev}:${path}`]).trim();
}

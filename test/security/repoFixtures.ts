import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { META_BIN } from '../helpers/diskRepo.js';

export interface MetaRun {
  /** Exit status; null when the process had to be killed (it hung). */
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs the built `meta` executable as a user would, in `cwd`, with only the environment given
 * (no META_REPO from the outer shell). The child is killed after `timeoutMs`, so a process that
 * would block forever (a fifo) or read without end (a device) ends the test instead of hanging it.
 */
export function runMeta(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): MetaRun {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('META_')) env[k] = v;
  const r = spawnSync(process.execPath, [META_BIN, ...args], {
    cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024,
    env: { ...env, META_ACTOR: 'attacker <a@example.com>', ...opts.env },
  });
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/**
 * Every entry below `dir` with its type and content hash (symlinks by target), to show a refused
 * command wrote nothing: equal states before and after.
 */
export function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const abs = rel ? `${dir}/${rel}` : dir;
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(abs)}`;
    else if (st.isDirectory()) {
      out[rel] = 'dir';
      for (const name of readdirSync(abs).sort()) walk(rel ? `${rel}/${name}` : name);
    } else if (st.isFile()) out[rel] = `file ${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
    else out[rel] = 'special';
  };
  walk('');
  return out;
}

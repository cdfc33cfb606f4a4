// Runs cold processes and measures wall time and peak RSS.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));
const rssFile = join(tmpdir(), `meta-bench-rss-${process.pid}`);

/** True when peak RSS of child processes can be measured (GNU time is installed). */
export const canMeasureRss = TIME !== undefined;

/**
 * Runs `cmd args` once to completion. Returns wall milliseconds and peak RSS in KiB (from GNU
 * time, when installed; both sides of a comparison pay the same wrapper cost). Throws when the
 * command fails, so a broken case never reports a time.
 */
export function runCold(cmd, args, opts = {}) {
  const argv = TIME ? [TIME, ['-o', rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv[1], { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').slice(0, 500)}`);
  }
  let rssKB;
  if (TIME) {
    try {
      rssKB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      rmSync(rssFile, { force: true });
    } catch { /* no measurement */ }
  }
  return { ms, rssKB, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

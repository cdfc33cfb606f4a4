/**
 * The one runner for `command` gates, `validate` and `on_promote`: `/bin/sh -c <run>` in its own
 * process group, bounded in time (a timeout kills the whole group, so a stuck child of the script
 * cannot outlive it) and in output (only the last lines are kept, without control characters).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Release, ReleaseRef } from '../../records/types.js';

export interface CommandRun {
  /** The exit code, or null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The last lines of stdout and stderr together, control characters removed. */
  output: string;
  durationMs: number;
}

/** The facts a command learns about what it judges, as `META_*` variables. */
export interface CommandSubject {
  project: string;
  channel: string;
  release: ReleaseRef;
  record: Release;
  /** The meta commit the decision reads. */
  commit: string;
}

const KEEP_BYTES = 16 * 1024;
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/**
 * Text safe for a record and a terminal: no escape sequences or other controls but tab and
 * newline, the last 20 lines, at most 2,000 characters.
 *
 * @example
 * cleanOutput('\x1b[31mred\x1b[0m\r\n') // 'red'
 */
export function cleanOutput(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const s = raw.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\r\n?/g, '\n').replace(/[\0-\x08\x0b-\x1f\x7f-\x9f]/g, '');
  const lines = s.replace(/\n+$/, '').split('\n').slice(-TAIL_LINES).join('\n');
  // Cut by code points so no surrogate pair is split.
  const cps = Array.from(lines);
  return (cps.length > TAIL_CHARS ? `…${cps.slice(-TAIL_CHARS).join('')}` : lines).replace(/\uFFFD/g, '?');
}

/**
 * Runs `run` through `/bin/sh -c` with `env` added to this process's environment, in `cwd`
 * (default: a fresh temporary directory, removed afterwards), for at most `timeoutMs`.
 *
 * @example
 * const r = await runCommand('./smoke.sh', { timeoutMs: 60_000, env: { META_VERSION: '1.4.2' } });
 * if (r.exitCode !== 0) console.log(r.output);
 */
export async function runCommand(run: string, opts: { timeoutMs: number; env?: Record<string, string>; cwd?: string }): Promise<CommandRun> {
  const started = Date.now();
  let tmp: string | undefined;
  const cwd = opts.cwd ?? (tmp = mkdtempSync(join(tmpdir(), 'meta-cmd-')));
  try {
    return await new Promise<CommandRun>((resolve) => {
      const child = spawn('/bin/sh', ['-c', run], { cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let buf = Buffer.alloc(0);
      const take = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length > KEEP_BYTES * 2) buf = buf.subarray(buf.length - KEEP_BYTES);
      };
      child.stdout!.on('data', take);
      child.stderr!.on('data', take);
      let timedOut = false;
      let settled = false;
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, Math.max(1, opts.timeoutMs));
      const finish = (code: number | null, signal: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Whatever the script left running in its group goes with it.
        killGroup();
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve({ exitCode: code, signal, timedOut, output: cleanOutput(buf.subarray(-KEEP_BYTES).toString('utf8')), durationMs: Date.now() - started });
      };
      child.on('error', (e) => {
        take(Buffer.from(`cannot start /bin/sh: ${(e as NodeJS.ErrnoException).code ?? 'error'}\n`));
        finish(127, null);
      });
      // 'exit' and not 'close': a background child holding the pipes open must not keep the gate waiting.
      child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 50));
    });
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The `META_*` environment of a command, with the release's JSON written to a temporary file
 * (`META_RELEASE_JSON`); `done()` removes the file.
 *
 * @example
 * const { env, done } = commandEnvironment(subject);
 * try { await runCommand(run, { timeoutMs, env }); } finally { done(); }
 */
export function commandEnvironment(s: CommandSubject): { env: Record<string, string>; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'meta-release-'));
  const file = join(dir, 'release.json');
  writeFileSync(file, `${JSON.stringify({ githash: s.release.githash, ...s.record }, null, 2)}\n`, { mode: 0o600 });
  return {
    env: { META_PROJECT: s.project, META_CHANNEL: s.channel, META_VERSION: s.release.version, META_RELEASE_GITHASH: s.release.githash, META_COMMIT: s.commit, META_RELEASE_JSON: file },
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

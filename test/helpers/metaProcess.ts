import { spawn, type ChildProcess } from 'node:child_process';
import { META_BIN } from './diskRepo.js';

export { META_BIN };

/** A `meta …` child process (the built CLI) with its output collected. */
export interface MetaProcess {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** The exit code (128 when killed by a signal). */
  exit: Promise<number>;
  /** True once the process has exited. */
  exited: () => boolean;
}

/** Starts `meta …` as a child process, collecting its output. `env` adds to (and overrides) the test's environment. */
export function spawnMeta(args: string[], env: Record<string, string> = {}, opts: { cwd?: string } = {}): MetaProcess {
  const child = spawn(process.execPath, [META_BIN, ...args], { cwd: opts.cwd, env: { ...process.env, META_ACTOR: 'test <test@example.com>', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number>((r) => child.on('exit', (code, sig) => {
    done = true;
    r(code ?? (sig ? 128 : 1));
  }));
  return { child, out: () => out, err: () => err, exit, exited: () => done };
}

/** Runs `meta …` to completion; a run longer than `timeoutMs` is killed and reported as such. */
export async function runMeta(args: string[], env: Record<string, string> = {}, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  const p = spawnMeta(args, env, opts);
  let timedOut = false;
  const t = setTimeout(() => { timedOut = true; p.child.kill('SIGKILL'); }, opts.timeoutMs ?? 30_000);
  const code = await p.exit;
  clearTimeout(t);
  return { code, stdout: p.out(), stderr: p.err(), timedOut };
}

/** A running `meta serve`: its process, the URL it listens on, and a way to stop it. */
export interface ServeProcess extends MetaProcess {
  url: string;
  /** True while the process runs. */
  alive: () => boolean;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop: () => Promise<number>;
}

/**
 * Starts `meta serve --repo <dir> --listen 127.0.0.1:0 …args` and resolves once it listens
 * (bounded: 30 s). Reads the URL from the text log line or, with `--json`, from the JSON one.
 */
export async function startServe(repoDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const proc = spawnMeta(['serve', '--repo', repoDir, '--listen', '127.0.0.1:0', ...args], env);
  const found = () => /"url":"([^"]+)"/.exec(proc.out())?.[1] ?? /listening on (\S+)/.exec(proc.out())?.[1];
  await until(() => found() !== undefined || proc.exited(), `meta serve to listen (${proc.err()})`);
  const url = found();
  if (url === undefined) throw new Error(`meta serve exited before listening: ${proc.err()}`);
  return {
    ...proc,
    url,
    alive: () => !proc.exited(),
    stop: async () => {
      if (!proc.exited()) proc.child.kill('SIGTERM');
      return proc.exit;
    },
  };
}

/** Waits for `cond`, polling; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

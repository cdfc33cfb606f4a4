import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI as users run it (bin/meta on the built dist/). */
export const META_BIN = fileURLToPath(new URL('../../bin/meta', import.meta.url));

export interface MetaProcess {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** The exit code (128 + nothing when killed by a signal). */
  exit: Promise<number>;
}

/** Starts `meta …` as a child process, collecting its output. */
export function spawnMeta(args: string[], env: Record<string, string> = {}, opts: { cwd?: string } = {}): MetaProcess {
  const child = spawn(process.execPath, [META_BIN, ...args], { cwd: opts.cwd, env: { ...process.env, META_ACTOR: 'test <test@example.com>', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 128 : 1))));
  return { child, out: () => out, err: () => err, exit };
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

/** Starts `meta serve` on a free loopback port and waits for its URL. */
export async function startMetaServe(repoDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<{ url: string; proc: MetaProcess; stop: () => Promise<number> }> {
  const proc = spawnMeta(['serve', '--repo', repoDir, '--listen', '127.0.0.1:0', '--json', ...extraArgs], env);
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`meta serve did not start: ${proc.err()}`)), 30_000);
    const onData = () => {
      const m = /"url":"([^"]+)"/.exec(proc.out());
      if (m) {
        clearTimeout(t);
        proc.child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    proc.child.stdout!.on('data', onData);
    void proc.exit.then((c) => reject(new Error(`meta serve exited ${c}: ${proc.err()}`)));
  });
  const stop = async () => {
    proc.child.kill('SIGTERM');
    return proc.exit;
  };
  return { url, proc, stop };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { META_BIN } from '../helpers/diskRepo.js';

/** A `meta serve` child process (the built CLI), its URL and its output so far. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
  /** True while the process runs. */
  alive: () => boolean;
  /** SIGTERM, then waits for the exit. */
  stop: () => Promise<void>;
}

/** Waits for `cond`, polling; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts `meta serve --repo <dir> --listen 127.0.0.1:0 …args` and waits until it listens. */
export async function startServe(repoDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [META_BIN, 'serve', '--repo', repoDir, '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, META_ACTOR: 'server <server@example.com>', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let running = true;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.on('exit', () => { running = false; r(); }));
  await until(() => /listening on (\S+)/.test(out) || !running, `meta serve to listen (${err})`);
  if (!running) throw new Error(`meta serve exited before listening: ${err}`);
  return {
    child,
    url: /listening on (\S+)/.exec(out)![1]!,
    out: () => out,
    err: () => err,
    alive: () => running,
    stop: async () => {
      if (running) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Res { status: number; headers: Record<string, string | string[] | undefined>; text: string }

/** One raw HTTP request on its own connection (no path normalisation, unlike fetch). */
export function rawRequest(base: string, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Res> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, method, path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    r.on('error', reject);
    if (opts.body !== undefined) r.write(opts.body);
    r.end();
  });
}

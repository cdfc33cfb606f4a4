import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { META_BIN } from './diskRepo.js';

/** A `meta` process with its output collected. */
export interface MetaProcess {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number>;
}

export function spawnMeta(args: string[], env: Record<string, string> = {}): MetaProcess {
  const child = spawn(process.execPath, [META_BIN, ...args], { env: { ...process.env, META_ACTOR: 'e2e', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 128 : 1))));
  return { child, out: () => out, err: () => err, exit };
}

/** Starts `meta serve` on 127.0.0.1 and resolves with its URL once it listens (bounded: 30 s). */
export async function startServe(repoDir: string): Promise<{ url: string; proc: MetaProcess; stop: () => Promise<void> }> {
  const proc = spawnMeta(['serve', '--repo', repoDir, '--listen', '127.0.0.1:0', '--no-webhooks']);
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`meta serve did not listen: ${proc.err()}`)), 30_000);
    const check = () => {
      const m = /listening on (\S+)/.exec(proc.out());
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    proc.child.stdout!.on('data', check);
    void proc.exit.then(() => reject(new Error(`meta serve exited: ${proc.err()}`)));
    check();
  });
  return {
    url, proc, stop: async () => {
      proc.child.kill('SIGTERM');
      await proc.exit;
    },
  };
}

/** What the hostile server answers a resolve with, given the real answer and a way to ask the real server more. */
export type Rewrite = (real: Record<string, unknown>, upstream: (pathAndQuery: string) => Promise<Record<string, unknown>>) => unknown | Promise<unknown>;

/**
 * A hostile `meta serve` on 127.0.0.1: it passes every request to a real server, except resolve
 * answers, which it replaces by whatever `rewrite` makes of the real one. Like any hostile
 * server it ignores the follower's `?after=` (the ancestry it asks to be checked).
 */
export async function hostileProxy(upstream: string): Promise<{ url: string; rewrite: Rewrite; resolves: number; close: () => Promise<void> }> {
  const state = { rewrite: ((real) => real) as Rewrite, resolves: 0 };
  const askUpstream = async (pathAndQuery: string) => {
    const res = await fetch(`${upstream}${pathAndQuery}`, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`upstream answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname.endsWith('/resolve')) {
      u.searchParams.delete('after');
      void (async () => {
        try {
          const real = await askUpstream(`${u.pathname}?${u.searchParams}`);
          state.resolves++;
          const body = JSON.stringify(await state.rewrite(real, askUpstream));
          res.writeHead(200, { 'content-type': 'application/json', etag: `"${String(real.commit)}"` }).end(body);
        } catch (e) {
          res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'REMOTE', message: (e as Error).message } }));
        }
      })();
      return;
    }
    // Everything else (the event stream, reports) goes through unchanged, streamed.
    const up = request(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (ures: IncomingMessage) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get rewrite() {
      return state.rewrite;
    },
    set rewrite(f: Rewrite) {
      state.rewrite = f;
    },
    get resolves() {
      return state.resolves;
    },
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

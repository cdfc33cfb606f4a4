import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

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

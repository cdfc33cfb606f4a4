import type { IncomingMessage, RequestOptions } from 'node:http';

/** A response whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  /** The response body, not yet read. */
  body: IncomingMessage;
}

const MAX_REDIRECTS = 10;
/** As undici's header and body timeouts: a server silent this long is treated as gone. */
const IDLE_TIMEOUT_MS = 300_000;

/**
 * One HTTP(S) exchange through node:http / node:https, for the smart-HTTP client. Not the global
 * `fetch`: the first call of that loads and compiles undici, ~40 ms of every cold `meta pull`
 * (the fetch target in README "Performance" is 1.5× `git fetch`), where node:http costs a few.
 *
 * Behaves like the `fetch(url, { redirect: 'follow' })` it replaces, for what a git client needs:
 * follows up to 10 redirects (the method and body are kept on 307/308, a POST answered with
 * 301/302/303 is re-sent as a POST too, since git endpoints only take POSTs), and drops the
 * Authorization header when a redirect leaves the origin the credentials were meant for. It never
 * asks for a compressed response. Connections are kept alive (node's default agent), so the
 * `info/refs` GET and the POST that follows share one. A connection idle for `timeoutMs` (default
 * 300 s, undici's) while waiting for the response or its body fails the request, so a stalled
 * server cannot hang a pull or a follower forever.
 *
 * @example
 * const res = await httpRequest(`${url}/info/refs?service=git-upload-pack`, { method: 'GET', headers: {} });
 * if (res.status === 200) console.log((await readBody(res.body)).length);
 */
export async function httpRequest(url: string, init: { method: string; headers: Record<string, string>; body?: Buffer; timeoutMs?: number }): Promise<HttpResponse> {
  let target = new URL(url);
  const headers = { ...init.headers };
  for (let hop = 0; ; hop++) {
    const res = await once(target, init.method, headers, init.body, init.timeoutMs ?? IDLE_TIMEOUT_MS);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && status !== 304 && location && hop < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(location, target);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirected to a ${next.protocol} URL`);
      if (next.origin !== target.origin) delete headers.Authorization;
      target = next;
      continue;
    }
    return { status, body: res };
  }
}

async function once(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number): Promise<IncomingMessage> {
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const h: Record<string, string | number> = { ...headers };
  if (body) h['Content-Length'] = body.length;
  const opts: RequestOptions = { method, headers: h };
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = mod.request(url, opts, resolve);
    req.on('error', reject);
    // The socket's idle timer keeps running while the body streams, so it covers both waits; the
    // error reaches the body's reader too.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data from ${url.host} for ${Math.round(timeoutMs / 1000)} s`)));
    req.end(body);
  });
}

/** Reads a whole response body. */
export async function readBody(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of res) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, readBody } from '../../src/remote/httpRequest.js';

interface Seen {
  server: string;
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

const seen: Seen[] = [];
const servers: Server[] = [];

async function listen(name: string, handle: (req: IncomingMessage, body: string) => { status: number; location?: string; text?: string }): Promise<string> {
  const s = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      seen.push({ server: name, method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      const r = handle(req, body);
      res.writeHead(r.status, r.location ? { Location: r.location } : {});
      res.end(r.text ?? '');
    });
  });
  servers.push(s);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

let a = '';
let b = '';

beforeAll(async () => {
  b = await listen('b', (_req, body) => ({ status: 200, text: `b got ${body}` }));
  a = await listen('a', (req) => {
    if (req.url === '/same') return { status: 302, location: '/final' };
    if (req.url === '/final') return { status: 200, text: 'a final' };
    if (req.url === '/away') return { status: req.method === 'POST' ? 307 : 301, location: `${b}/there` };
    if (req.url === '/loop') return { status: 302, location: '/loop' };
    return { status: 404 };
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
});

describe('httpRequest (the smart-HTTP client transport)', () => {
  it('follows a same-origin redirect and keeps the Authorization header', async () => {
    seen.length = 0;
    const res = await httpRequest(`${a}/same`, { method: 'GET', headers: { Authorization: 'Basic eDp5' } });
    expect(res.status).toBe(200);
    expect((await readBody(res.body)).toString()).toBe('a final');
    expect(seen.map((s) => [s.server, s.url, s.auth])).toEqual([['a', '/same', 'Basic eDp5'], ['a', '/final', 'Basic eDp5']]);
  });

  it('re-sends a POST body across a redirect to another origin, without the credentials', async () => {
    seen.length = 0;
    const res = await httpRequest(`${a}/away`, { method: 'POST', headers: { Authorization: 'Basic eDp5' }, body: Buffer.from('want x') });
    expect(res.status).toBe(200);
    expect((await readBody(res.body)).toString()).toBe('b got want x');
    expect(seen.map((s) => [s.server, s.method, s.auth])).toEqual([['a', 'POST', 'Basic eDp5'], ['b', 'POST', undefined]]);
  });

  it('stops after ten redirects and hands back the last answer', async () => {
    seen.length = 0;
    const res = await httpRequest(`${a}/loop`, { method: 'GET', headers: {} });
    res.body.resume();
    expect(res.status).toBe(302);
    expect(seen.length).toBe(11);
  });

  it('rejects when nothing listens', async () => {
    const dead = await listen('dead', () => ({ status: 200 }));
    await new Promise((ok) => servers.pop()!.close(ok));
    await expect(httpRequest(`${dead}/x`, { method: 'GET', headers: {} })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails a request whose server goes silent, before the headers or in the middle of the body', async () => {
    const silent = createServer((req, res) => {
      if (req.url === '/half') {
        res.writeHead(200);
        res.write('first part');
      } // '/none': never answers
    });
    servers.push(silent);
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    await expect(httpRequest(`${url}/none`, { method: 'GET', headers: {}, timeoutMs: 200 })).rejects.toThrow(/no data from 127\.0\.0\.1:\d+ for 0 s/);
    const res = await httpRequest(`${url}/half`, { method: 'GET', headers: {}, timeoutMs: 200 });
    expect(res.status).toBe(200);
    await expect(readBody(res.body)).rejects.toThrow();
    silent.closeAllConnections();
  });
});

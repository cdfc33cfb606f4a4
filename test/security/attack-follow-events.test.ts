// A hostile server's event stream (what `meta follow --server` and `meta watch` read): a line
// that never ends, or a message of endless data lines, must not make the reader buffer it all.
// Past the bound the connection is dropped as an error and retried with backoff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sseStream } from '../../src/watch/sseClient.js';

describe('an event stream without end', () => {
  let server: Server;
  let url = '';
  let connections = 0;
  let sent = 0;

  beforeAll(async () => {
    // First connection: one "line" of 40 MiB; second: 40 MiB of one message's data lines.
    server = createServer((_req, res) => {
      const n = ++connections;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = n % 2 ? Buffer.alloc(1 << 20, 0x78) : Buffer.from(`data: ${'y'.repeat(1023)}\n`.repeat(1024));
      let i = 0;
      const more = (): void => {
        while (i < 40) {
          i++;
          sent += chunk.length;
          if (!res.write(i === 1 && n % 2 ? Buffer.concat([Buffer.from('data: '), chunk]) : chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => undefined);
      more();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('drops each connection as an error once it passes the bound, and reconnects', async () => {
    const ac = new AbortController();
    const errors: string[] = [];
    const messages: number[] = [];
    const reading = (async () => {
      for await (const m of sseStream(`${url}/v1/events`, { signal: ac.signal, backoffMs: 1, onError: (e) => {
        errors.push(e.message);
        if (errors.length >= 2) ac.abort();
      } })) messages.push(m.data.length);
    })();
    const guard = setTimeout(() => ac.abort(), 20_000);
    await reading;
    clearTimeout(guard);
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatch(/larger than/);
    expect(messages).toEqual([]);
    expect(sent).toBeLessThan(80 << 20);
  });
});

describe('an event stream refused with a body without end', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    // A 403 whose body never ends: one chunk after another for as long as the client reads.
    server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(1 << 16, 0x7a);
      const more = (): void => {
        while (res.write(chunk)) { /* fill the socket */ }
        res.once('drain', more);
      };
      res.on('error', () => undefined);
      more();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('is a REMOTE error quoting the start of the body, read no further', async () => {
    const ac = new AbortController();
    const guard = setTimeout(() => ac.abort(), 10_000);
    const err = await (async () => {
      for await (const _ of sseStream(`${url}/v1/events`, { signal: ac.signal })) void _;
    })().then(() => undefined, (e: unknown) => e as Error & { code: string });
    clearTimeout(guard);
    expect(err).toMatchObject({ code: 'REMOTE' });
    expect(err!.message).toMatch(/answered 403: z+$/);
  });
});

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

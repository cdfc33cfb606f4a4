// A hostile server answering a follower: whatever it sends, the follower holds a bounded amount
// of it. An answer (a resolve with config and flags included) is far below 16 MiB; a server that
// streams more (a "huge flags document", an endless body) is refused as soon as it passes the
// bound, before the follower has buffered it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerSource } from '../../src/follow/followSources.js';

describe('meta follow against a server that answers without end', () => {
  let server: Server;
  let url = '';
  let sent = 0;

  beforeAll(async () => {
    // Valid JSON that never ends in time: white space, 1 MiB at a time, up to 64 MiB, then `{}`.
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let n = 0;
      const more = (): void => {
        while (n < 64) {
          n++;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('{}');
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

  it('refuses the answer as REMOTE once it passes the bound, without reading the rest', async () => {
    const source = new ServerSource(url, { project: 'acme/app', channel: 'stable' });
    const err = await source.resolve({ project: 'acme/app', channel: 'stable', platform: 'linux/amd64', include: ['config', 'flags'], env: 'prod' }).then(() => undefined, (e: unknown) => e);
    await source.close();
    expect(err).toMatchObject({ code: 'REMOTE' });
    expect((err as Error).message).toMatch(/larger than/);
    expect(sent).toBeLessThan(64 << 20);
  });
});

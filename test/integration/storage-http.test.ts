import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStorage } from '../../src/storage/BlobStorage.js';
import { checkCopy, writeVerified } from '../../src/storage/verifiedCopy.js';
import { asyncCodeOf } from '../helpers/errorCode.js';
import { sha256 } from '../helpers/serveFixtures.js';

/** An HTTP server that keeps what is PUT (with its Content-Length) and serves it back on GET/HEAD. */
describe('http(s) locations', () => {
  const objects = new Map<string, Buffer>();
  const lengths: string[] = [];
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.method === 'PUT') {
        lengths.push(String(req.headers['content-length']));
        objects.set(req.url!, Buffer.concat(chunks));
        return void res.writeHead(201).end();
      }
      const body = objects.get(req.url!);
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
  });

  it('writes with a streamed PUT, reads back, and checks size and digest', async () => {
    const storage = new BlobStorage();
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const want = { digest: sha256(bytes), size: bytes.length };
    await writeVerified(storage, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), `${base}/builds/app`, want);
    expect(lengths).toEqual([String(bytes.length)]);
    expect(objects.get('/builds/app')!.equals(bytes)).toBe(true);
    expect(await checkCopy(storage, `${base}/builds/app`, want, true)).toEqual({ state: 'ok', size: bytes.length });
    expect(await checkCopy(storage, `${base}/builds/missing`, want, true)).toEqual({ state: 'missing' });
    objects.set('/builds/app', Buffer.alloc(bytes.length, 8));
    expect((await checkCopy(storage, `${base}/builds/app`, want, true)).state).toBe('corrupt');
  });

  it('refuses a source with other bytes than recorded', async () => {
    const storage = new BlobStorage();
    const want = { digest: sha256('expected'), size: 8 };
    expect(await asyncCodeOf(writeVerified(storage, Readable.from([Buffer.from('otherbyt')]), `${base}/builds/other`, want))).toBe('DIGEST_MISMATCH');
    expect(await asyncCodeOf(writeVerified(storage, Readable.from([Buffer.from('much longer than recorded')]), `${base}/builds/longer`, want))).toBe('DIGEST_MISMATCH');
  });
});

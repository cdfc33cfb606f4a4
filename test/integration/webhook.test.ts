import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promote } from '../../src/index.js';
import { startServer } from '../../src/serve/MetaServer.js';
import { listDeliveries, verifySignature, webhookState } from '../../src/webhooks/deliveryLog.js';
import { listEvents } from '../../src/api/events.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary, setSettings } from '../helpers/serveFixtures.js';
import { until } from '../helpers/metaProcess.js';

const SECRET = 'hook-secret-789';

interface Got { delivery: string; event: string; type: string; id: string; valid: boolean }

/** A receiver on a fixed port that fails its first `failFirst` requests; it can be stopped and started again. */
class Receiver {
  got: Got[] = [];
  requests = 0;
  private server?: Server;
  port = 0;
  constructor(private failFirst: number) {}

  async start(): Promise<void> {
    this.server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      this.requests++;
      if (this.requests <= this.failFirst) {
        res.writeHead(503).end('not yet');
        return;
      }
      const ev = JSON.parse(body.toString());
      this.got.push({ delivery: String(req.headers['x-meta-delivery']), event: String(req.headers['x-meta-event']), type: ev.type, id: ev.id, valid: verifySignature(SECRET, body, req.headers['x-meta-signature-256']) });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server!;
    await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
  }
}


describe('webhooks from a durable cursor', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  beforeAll(async () => {
    tmp = tempDir('meta-hooks-');
    repo = await diskRepo(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('delivers every event in order with valid signatures, through receiver failures, a receiver restart and a server restart', async () => {
    const rx = new Receiver(3);
    await rx.start();
    const start = await setSettings(repo, { webhooks: [{ name: 'deploys', url: `http://127.0.0.1:${rx.port}/hook`, events: ['release.*', 'binary.*', 'channel.*'], projects: ['acme/app'], secret_env: 'HOOK_SECRET' }] });
    const env = { HOOK_SECRET: SECRET };
    let server = await startServer({ repo, listen: '127.0.0.1:0', env, webhookBackoffMs: 10, webhookMaxBackoffMs: 100, allowPrivateWebhooks: true });
    // Recorded while the server runs: first three deliveries fail, then succeed.
    await releaseWithBinary(repo, '1.0.0', 'one', 'file:///nowhere/1', 'a');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await until(() => rx.got.length >= 3, 'the first three events');
    // The receiver goes away mid-stream: events pile up in the log, deliveries fail and back off.
    await rx.stop();
    await releaseWithBinary(repo, '1.1.0', 'two', 'file:///nowhere/2', 'b');
    await until(() => listDeliveries({ stateDir: webhookState(repo), failed: true }).length > 3, 'failed deliveries while the receiver is down');
    // The server stops too; more events are written while nobody delivers.
    await server.close();
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
    await rx.start();
    server = await startServer({ repo, listen: '127.0.0.1:0', env, webhookBackoffMs: 10, webhookMaxBackoffMs: 100, allowPrivateWebhooks: true });
    const want = listEvents(repo, { since: start, project: 'acme/app', types: ['release.*', 'binary.*', 'channel.*'] });
    expect(want.map((e) => e.type)).toEqual(['release.recorded', 'binary.recorded', 'channel.promoted', 'release.recorded', 'binary.recorded', 'channel.promoted']);
    await until(() => new Set(rx.got.map((g) => g.id)).size >= want.length, 'every event');
    await server.close();
    // At-least-once: a redelivery carries the same X-Meta-Delivery id, so de-duplicate by it.
    const seen = new Set<string>();
    const unique = rx.got.filter((g) => (seen.has(g.delivery) ? false : (seen.add(g.delivery), true)));
    expect(unique.map((g) => g.id)).toEqual(want.map((e) => e.id));
    expect(unique.map((g) => g.event)).toEqual(want.map((e) => e.type));
    expect(rx.got.every((g) => g.valid)).toBe(true);
    const log = listDeliveries({ stateDir: webhookState(repo), limit: 1000 });
    expect(log.filter((d) => !d.ok).length).toBeGreaterThanOrEqual(3);
    expect(log.filter((d) => d.ok).map((d) => d.event)).toEqual(rx.got.map((g) => g.id));
    await rx.stop();
  });

  it('refuses to send unsigned when the secret variable is missing, and logs why', async () => {
    const rx = new Receiver(0);
    await rx.start();
    await setSettings(repo, { webhooks: [{ name: 'nosecret', url: `http://127.0.0.1:${rx.port}/`, secret_env: 'MISSING_SECRET' }] });
    const server = await startServer({ repo, listen: '127.0.0.1:0', env: {}, webhookBackoffMs: 10, webhookMaxBackoffMs: 50, allowPrivateWebhooks: true });
    await releaseWithBinary(repo, '2.0.0', 'three', 'file:///nowhere/3', 'c');
    await until(() => listDeliveries({ stateDir: webhookState(repo), hook: 'nosecret' }).length >= 2, 'failed attempts');
    await server.close();
    await rx.stop();
    expect(rx.requests).toBe(0);
    expect(listDeliveries({ stateDir: webhookState(repo), hook: 'nosecret' })[0]!.error).toMatch(/MISSING_SECRET/);
  });
});

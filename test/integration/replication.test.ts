import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBinary, recordRelease } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { listBinaryLocations } from '../../src/api/listBinaryLocations.js';
import { startServer } from '../../src/serve/MetaServer.js';
import { verifySignature } from '../../src/webhooks/deliveryLog.js';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe, until } from '../helpers/metaProcess.js';
import { diskRepo, setSettings, sha, sha256 } from '../helpers/serveFixtures.js';

const SECRET = 'replication-hook-secret';

/** A local HTTP server: answers 500 to every PUT and counts them; receives webhooks on /hook. */
class Endpoints {
  puts = 0;
  hooks: { type: string; valid: boolean; body: Record<string, unknown> }[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT') {
        this.puts++;
        res.writeHead(500).end('storage broken');
        return;
      }
      if (req.url === '/hook') {
        const ev = JSON.parse(body.toString());
        this.hooks.push({ type: ev.type, valid: verifySignature(SECRET, body, req.headers['x-meta-signature-256']), body: ev });
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server!;
    await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
  }
}

async function releaseWithFile(repo: MetaRepo, dir: string, version: string, content: Buffer): Promise<string> {
  const path = `${dir}/src-${version}`;
  writeFileSync(path, content);
  await recordRelease(repo, { project: 'acme/app', version, sources: [{ url: 'https://git.example/acme/app', commit: sha('b') }] });
  await recordBinary(repo, { project: 'acme/app', version, platform: 'linux/amd64', file: path, urls: [`file://${path}`] });
  return path;
}

describe('replication: a destination that keeps failing', () => {
  const t = tempDir('meta-repl-fail-');
  const ep = new Endpoints();
  let repo: MetaRepo;
  beforeAll(async () => {
    await ep.start();
    repo = await diskRepo(t.dir);
  });
  afterAll(async () => {
    await ep.stop();
    t.cleanup();
  });

  it('retries it with backoff, reports it to a webhook as binary.replication_failed, and keeps the copies that worked', async () => {
    const bytes = Buffer.from('a binary that replicates to one of two places\n'.repeat(1000));
    await releaseWithFile(repo, t.dir, '1.0.0', bytes);
    await setSettings(repo, { webhooks: [{ name: 'storage', url: `http://127.0.0.1:${ep.port}/hook`, events: ['binary.*'], secret_env: 'HOOK_SECRET' }] });
    const server = await startServer({ repo, listen: '127.0.0.1:0', allowPrivateWebhooks: true, webhookBackoffMs: 50, env: { HOOK_SECRET: SECRET }, replicate: false });
    try {
      const good = `file://${t.dir}/mirror/app-1.0.0`;
      const bad = `http://127.0.0.1:${ep.port}/bucket/app-1.0.0`;
      const r = await runMeta(['binary', 'replicate', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--to', good, '--region', 'eu', '--to', bad, '--region', 'us', '--retries', '2', '--json', '--repo', `${t.dir}/meta`]);
      expect(r.code, r.stderr).toBe(9);
      expect(r.stderr).toMatch(/1 of 2 destination\(s\) failed/);
      const out = JSON.parse(r.stdout);
      expect(out.results[0]).toMatchObject({ url: good, region: 'eu', ok: true, attempts: 1 });
      expect(out.results[1]).toMatchObject({ url: bad, region: 'us', ok: false, attempts: 3, error: { code: 'REMOTE' } });
      expect(ep.puts).toBe(3);
      expect(readFileSync(`${t.dir}/mirror/app-1.0.0`).equals(bytes)).toBe(true);

      await until(() => ep.hooks.some((h) => h.type === 'binary.replication_failed') && ep.hooks.some((h) => h.type === 'binary.replicated'), 'both webhook events');
      expect(ep.hooks.every((h) => h.valid)).toBe(true);
      const failed = ep.hooks.find((h) => h.type === 'binary.replication_failed')!.body;
      expect(failed.project).toBe('acme/app');
      const rec = failed.record as { type: string; subject: string; message: string; attributes: { key: string; value: string }[] };
      expect(rec.subject).toBe(bad);
      expect(rec.message).toMatch(/HTTP 500/);
      expect(Object.fromEntries(rec.attributes.map((a) => [a.key, a.value]))).toMatchObject({ attempts: '3', code: 'REMOTE', region: 'us', version: '1.0.0', platform: 'linux/amd64' });
      const replicated = ep.hooks.find((h) => h.type === 'binary.replicated')!.body;
      expect(replicated).toMatchObject({ project: 'acme/app', version: '1.0.0', platform: 'linux/amd64' });
      expect((replicated.record as { url: string }).url).toBe(good);

      const locs = await listBinaryLocations(repo, { target: { project: 'acme/app', version: '1.0.0', platform: 'linux/amd64' } });
      expect(locs.locations.map((l) => l.url)).toEqual([`file://${t.dir}/src-1.0.0`, good]);
    } finally {
      await server.close();
    }
  });
});

describe('automatic replication', () => {
  const t = tempDir('meta-repl-auto-');
  let repo: MetaRepo;
  beforeAll(async () => {
    repo = await diskRepo(t.dir);
    mkdirSync(`${t.dir}/eu`);
    await setSettings(repo, { replication: [{ projects: ['acme/*'], to: [{ url: `file://${t.dir}/eu/{project}/{version}/{platform}/app`, region: 'eu' }] }] });
  });
  afterAll(() => t.cleanup());

  it('replicates a binary recorded while meta serve was down once it starts again', async () => {
    const first = await startServe(`${t.dir}/meta`);
    const one = Buffer.from('first binary\n'.repeat(500));
    await releaseWithFile(repo, t.dir, '1.0.0', one);
    await until(() => existsSync(`${t.dir}/eu/acme/app/1.0.0/linux/amd64/app`), 'the first binary replicated while serving');
    await first.stop();

    const two = Buffer.from('second binary, recorded while the server is down\n'.repeat(500));
    await releaseWithFile(repo, t.dir, '2.0.0', two);
    expect(existsSync(`${t.dir}/eu/acme/app/2.0.0/linux/amd64/app`)).toBe(false);

    const second = await startServe(`${t.dir}/meta`);
    try {
      const verified = async () => (await listBinaryLocations(repo, { target: { project: 'acme/app', version: '2.0.0', platform: 'linux/amd64' } })).locations.some((l) => l.region === 'eu');
      let ok = false;
      for (let i = 0; i < 300 && !ok; i++) {
        ok = await verified();
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ok).toBe(true);
      expect(readFileSync(`${t.dir}/eu/acme/app/2.0.0/linux/amd64/app`).equals(two)).toBe(true);
      // The first binary was not copied again: one location record each.
      const firstLocs = await listBinaryLocations(repo, { target: { project: 'acme/app', version: '1.0.0', platform: 'linux/amd64' } });
      expect(firstLocs.locations.filter((l) => l.region === 'eu')).toHaveLength(1);
      expect(sha256(readFileSync(`${t.dir}/eu/acme/app/1.0.0/linux/amd64/app`))).toBe(firstLocs.digest);
    } finally {
      await second.stop();
    }
  });
});

describe('meta replicate (catch up, then exit)', () => {
  const t = tempDir('meta-repl-drain-');
  afterAll(() => t.cleanup());

  it('copies what was recorded since the rules were configured, once', async () => {
    const repo = await diskRepo(t.dir);
    await setSettings(repo, { replication: [{ projects: ['acme/app'], to: [{ url: `file://${t.dir}/mirror/{version}/{os}-{arch}`, region: 'mirror' }] }] });
    const bytes = Buffer.from('caught up later\n'.repeat(300));
    await releaseWithFile(repo, t.dir, '3.1.0', bytes);
    const state = `${t.dir}/replication-state`;
    const first = await runMeta(['replicate', '--state-dir', state, '--repo', `${t.dir}/meta`]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('replication: acme/app 3.1.0 linux/amd64: 1 of 1 destination(s) verified');
    expect(readFileSync(`${t.dir}/mirror/3.1.0/linux-amd64`).equals(bytes)).toBe(true);
    expect(JSON.parse(readFileSync(`${state}/cursor.json`, 'utf8')).after).toMatch(/^[0-9a-f]{40}:\d+$/);
    const again = await runMeta(['replicate', '--state-dir', state, '--repo', `${t.dir}/meta`]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    const locs = await listBinaryLocations(repo, { target: { project: 'acme/app', version: '3.1.0', platform: 'linux/amd64' } });
    expect(locs.locations.filter((l) => l.region === 'mirror')).toHaveLength(1);
  });
});

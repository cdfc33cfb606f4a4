/**
 * A writer who records a binary whose location is some other file of the host (a key, a token)
 * must learn nothing about that file from the replicator: its failure becomes a record and an
 * event every reader of the repository sees (`binary.replication_failed`, `/v1/log`, webhooks),
 * so it must carry neither the file's size (which the writer would then record as the binary's)
 * nor its sha-256 (which, for a short secret, is the secret).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBinary, recordRelease } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { replicateBinary } from '../../src/api/replicateBinary.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, sha, sha256 } from '../helpers/serveFixtures.js';

describe('replicating from a file:// location that is not the binary', () => {
  const t = tempDir('meta-attack-storage-');
  let repo: MetaRepo;
  const secret = '4711\n';
  const secretHex = createHash('sha256').update(secret).digest('hex');
  beforeAll(async () => {
    repo = await diskRepo(t.dir);
    writeFileSync(`${t.dir}/pin`, secret);
  });
  afterAll(() => {
    repo.close();
    t.cleanup();
  });

  const attempt = async (version: string, size: number) => {
    await recordRelease(repo, { project: 'acme/app', version, sources: [{ url: 'https://git.example/acme/app', commit: sha('e') }] });
    await recordBinary(repo, { project: 'acme/app', version, platform: 'linux/amd64', digest: sha256(`claimed ${version}`), size, urls: [`file://${t.dir}/pin`] });
    const r = await replicateBinary(repo, { target: { project: 'acme/app', version, platform: 'linux/amd64' }, to: [{ url: `file://${t.dir}/out/${version}` }], retries: 1, backoff: { baseMs: 1, capMs: 2 } });
    expect(r.ok).toBe(false);
    return r.results[0]!;
  };

  it('a wrong size: the failure names neither the file\'s size nor its digest', async () => {
    const res = await attempt('3.0.0', 1000);
    expect(res.error!.code).toBe('DIGEST_MISMATCH');
    expect(res.error!.message).not.toMatch(new RegExp(`\\b${Buffer.byteLength(secret)} bytes`));
    expect(res.error!.message).not.toContain(secretHex);
  });

  it('the right size (as a first failure would have told): the failure still carries no digest of the file', async () => {
    const res = await attempt('3.0.1', Buffer.byteLength(secret));
    expect(res.error!.code).toBe('DIGEST_MISMATCH');
    expect(res.error!.message).not.toContain(secretHex);
    // Nor does anything the replicator wrote to the repository.
    const { log } = await import('../../src/index.js');
    expect(JSON.stringify(log(repo, { project: 'acme/app', limit: 20 }))).not.toContain(secretHex);
  });
});

/**
 * The same attack through the network: a writer records a binary whose location is a URL only
 * the replicating machine can reach (a cloud metadata endpoint, an internal service; here a
 * server on 127.0.0.1), and a destination it reads (a replication rule in meta.yaml, which any
 * pusher may change, can name any http(s) server that takes a PUT). The replicator fetches the
 * source, but its bytes leave only when they are the recorded binary.
 */
describe('replicating from an http(s) location that is not the binary', () => {
  const t = tempDir('meta-attack-ssrf-');
  let repo: MetaRepo;
  let internal: Server;
  let collector: Server;
  let internalUrl = '';
  let collectorUrl = '';
  const received: Buffer[] = [];
  const secret = 'AWS_SECRET=internal-only-credential\n';
  const listen = async (s: Server) => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  beforeAll(async () => {
    repo = await diskRepo(t.dir);
    internal = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(secret));
    collector = createServer((req, res) => {
      req.on('data', (c: Buffer) => received.push(c));
      req.on('end', () => res.writeHead(req.method === 'PUT' ? 201 : 404).end());
    });
    internalUrl = await listen(internal);
    collectorUrl = await listen(collector);
  });
  afterAll(async () => {
    repo.close();
    for (const s of [internal, collector]) await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
    t.cleanup();
  });

  it('a source that serves the binary once, then redirects to the internal URL, still sends nothing of it', async () => {
    // Longer than the secret, so the size bound alone would not stop it.
    const bytes = `the real binary${'.'.repeat(200)}\n`;
    let gets = 0;
    const flip = createServer((req, res) => {
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(Buffer.byteLength(bytes)) }).end();
      // Right bytes on the first read (the check), a redirect to the secret on any later one.
      if (gets++ === 0) return void res.writeHead(200).end(bytes);
      res.writeHead(302, { location: `${internalUrl}/latest/meta-data/iam/security-credentials/role` }).end();
    });
    const flipUrl = await listen(flip);
    try {
      await recordRelease(repo, { project: 'acme/app', version: '4.1.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('f') }] });
      await recordBinary(repo, { project: 'acme/app', version: '4.1.0', platform: 'linux/amd64', digest: sha256(bytes), size: Buffer.byteLength(bytes), urls: [`${flipUrl}/app`] });
      await replicateBinary(repo, { target: { project: 'acme/app', version: '4.1.0', platform: 'linux/amd64' }, to: [{ url: `${collectorUrl}/loot/4.1.0` }], retries: 1, backoff: { baseMs: 1, capMs: 2 } });
      expect(Buffer.concat(received).toString()).not.toContain('internal-only-credential');
    } finally {
      await new Promise<void>((r) => { flip.close(() => r()); flip.closeAllConnections(); });
    }
  });

  it('sends nothing of the source to the destination when its bytes are not the recorded ones', async () => {
    await recordRelease(repo, { project: 'acme/app', version: '4.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('f') }] });
    await recordBinary(repo, { project: 'acme/app', version: '4.0.0', platform: 'linux/amd64', digest: sha256('anything'), size: Buffer.byteLength(secret), urls: [`${internalUrl}/latest/meta-data/iam/security-credentials/role`] });
    const r = await replicateBinary(repo, { target: { project: 'acme/app', version: '4.0.0', platform: 'linux/amd64' }, to: [{ url: `${collectorUrl}/loot/4.0.0` }], retries: 1, backoff: { baseMs: 1, capMs: 2 } });
    expect(r.ok).toBe(false);
    expect(r.results[0]!.error!.code).toBe('DIGEST_MISMATCH');
    expect(Buffer.concat(received).toString()).not.toContain('internal-only-credential');
    expect(r.results[0]!.error!.message).not.toContain(createHash('sha256').update(secret).digest('hex'));
  });
});

describe('replicating from a file:// location that is a FIFO', () => {
  const t = tempDir('meta-attack-fifo-');
  let repo: MetaRepo;
  beforeAll(async () => {
    repo = await diskRepo(t.dir);
    execFileSync('mkfifo', [`${t.dir}/pipe`]);
  });
  afterAll(() => {
    repo.close();
    t.cleanup();
  });

  it('is refused without opening it (an open would wait for a writer for ever)', async () => {
    await recordRelease(repo, { project: 'acme/app', version: '5.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    await recordBinary(repo, { project: 'acme/app', version: '5.0.0', platform: 'linux/amd64', digest: sha256('x'), size: 1, urls: [`file://${t.dir}/pipe`] });
    const r = await replicateBinary(repo, { target: { project: 'acme/app', version: '5.0.0', platform: 'linux/amd64' }, to: [{ url: `file://${t.dir}/out/5.0.0` }], retries: 1, backoff: { baseMs: 1, capMs: 2 } });
    expect(r.ok).toBe(false);
    expect(r.results[0]!.error!.code).toBe('IO');
    expect(existsSync(`${t.dir}/out/5.0.0`)).toBe(false);
  }, 15_000);
});

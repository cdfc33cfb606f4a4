import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { readMetaSettings } from '../../src/api/readMetaSettings.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe, until } from '../helpers/metaProcess.js';
import { diskRepo, releaseWithBinary } from '../helpers/serveFixtures.js';


/**
 * meta.yaml is written by every writer, by hand too: `meta serve` logs what is invalid in it
 * (which entry, and why) and keeps using the valid parts. Tokens made with `meta token add` work
 * at once and stop working once removed.
 */
describe('meta serve with settings written by commands and by hand', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let receiver: Server;
  let hookUrl = '';
  const got: string[] = [];

  beforeAll(async () => {
    tmp = tempDir('meta-serve-settings-');
    repo = await diskRepo(tmp.dir);
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      got.push(`${req.url} ${JSON.parse(Buffer.concat(chunks).toString()).type}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => { receiver.close(() => r()); receiver.closeAllConnections(); });
    repo.close();
    tmp.cleanup();
  });

  it('delivers the valid webhooks and logs the invalid entry with its name and reason', async () => {
    // Written by hand (the settings commands would refuse it): one entry has no usable url.
    const settings = readMetaSettings(repo.store.snapshot());
    const text = stringify({ ...settings, webhooks: [
      { name: 'broken', url: 'ftp://hooks.example.com/x' },
      { name: 'deploys', url: `${hookUrl}/deploys`, events: ['release.recorded'] },
      { name: 'deploys', url: `${hookUrl}/again` },
    ] });
    await repo.store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from(text), replace: true }], message: 'hand-edited settings' }), { actor: repo.actor });
    const serve = await startServe(repo.dir, ['--json', '--allow-private-webhooks', '--webhook-backoff-ms', '10']);
    try {
      await releaseWithBinary(repo, '1.0.0', 'one', 'https://dl.example/1', 'a');
      await until(() => got.length >= 1, 'the valid webhook to be delivered');
      expect(got).toEqual(['/deploys release.recorded']);
      await until(() => /webhooks\.2/.test(serve.err()), 'the log line for the repeated name');
      expect(serve.err()).toMatch(/skipped invalid entry meta\.yaml webhooks\.0 \(broken\): needs an http\(s\) url/);
      expect(serve.err()).toMatch(/skipped invalid entry meta\.yaml webhooks\.2 \(deploys\): the name deploys is used twice/);
    } finally {
      await serve.stop();
    }
  });

  it('accepts a token from `meta token add` at once, skips an invalid token entry, refuses a removed token', async () => {
    const serve = await startServe(repo.dir, ['--json', '--no-webhooks']);
    try {
      const add = await runMeta(['token', 'add', 'ci', '--scope', 'records', '--repo', repo.dir]);
      expect(add.code, add.stderr).toBe(0);
      const token = add.stdout.trim();
      expect(token).toMatch(/^meta_[A-Za-z0-9_-]{43}$/);
      expect(add.stderr).toMatch(/only time it is shown/);
      const meta = (await runMeta(['settings', 'get', 'serve.tokens', '--json', '--repo', repo.dir])).stdout;
      expect(meta).not.toContain(token);
      // A hand-written entry with a bad hash next to it does not disable the good one.
      const settings = readMetaSettings(repo.store.snapshot()) as { serve: { tokens: unknown[] } };
      const text = stringify({ ...settings, serve: { tokens: [{ name: 'typo', sha256: 'not-a-hash', scopes: ['records'] }, ...settings.serve.tokens] } });
      await repo.store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from(text), replace: true }], message: 'hand-edited tokens' }), { actor: repo.actor });
      const post = (bearer: string) => fetch(`${serve.url}/v1/records`, {
        method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'release', project: 'app', version: `2.0.${got.length}-${Math.random().toString(36).slice(2, 8)}`, sources: [{ url: 'https://git.example/acme/app', commit: 'b'.repeat(40) }] }),
      });
      const ok = await post(token);
      expect(ok.status, await ok.clone().text()).toBe(201);
      expect(await ok.json()).toMatchObject({ project: 'acme/app' });
      await until(() => /skipped invalid token entry serve\.tokens\.0 \(typo\)/.test(serve.err()), 'the log line for the bad token entry');
      const rm = await runMeta(['token', 'remove', 'ci', '--repo', repo.dir]);
      expect(rm.code, rm.stderr).toBe(0);
      // The broken entry someone wrote by hand does not block revoking a token; it is named.
      expect(rm.stderr).toMatch(/still has this problem: serve\.tokens\.0 \(typo\): needs sha256/);
      expect((await post(token)).status).toBe(401);
      expect((await runMeta(['token', 'remove', 'ci', '--repo', repo.dir])).code).toBe(3);
    } finally {
      await serve.stop();
    }
  });
});

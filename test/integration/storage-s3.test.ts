import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, recordRelease } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { BlobStorage } from '../../src/storage/BlobStorage.js';
import { tempDir } from '../helpers/diskRepo.js';
import { runMeta, startServe } from '../helpers/metaProcess.js';
import { diskRepo, sha, sha256 } from '../helpers/serveFixtures.js';
import { startS3, type S3Fixture } from '../helpers/s3Server.js';

/**
 * Binary storage against a real S3-compatible server: two buckets stand for two regions (us, eu),
 * and a third copy lives in a directory. Every step runs the real CLI.
 */
describe('binary storage on S3 (s3rver)', () => {
  const t = tempDir('meta-s3-');
  let s3: S3Fixture;
  let repo: MetaRepo;
  let env: Record<string, string>;
  const bin = randomBytes(3 * 1024 * 1024 + 17);
  const digest = sha256(bin);
  const US = 's3://us-builds/acme/app/1.0.0/linux-amd64';
  const EU = 's3://eu-builds/acme/app/1.0.0/linux-amd64';
  let LOCAL: string;
  const meta = (args: string[]) => runMeta([...args, '--repo', `${t.dir}/meta`], env);

  beforeAll(async () => {
    s3 = await startS3(`${t.dir}/s3`, ['us-builds', 'eu-builds']);
    env = { ...s3.env, AWS_CONFIG_FILE: `${t.dir}/no-aws-config`, AWS_SHARED_CREDENTIALS_FILE: `${t.dir}/no-aws-credentials`, AWS_EC2_METADATA_DISABLED: 'true' };
    repo = await diskRepo(t.dir);
    await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    writeFileSync(`${t.dir}/app`, bin);
    LOCAL = `file://${t.dir}/mirror/acme/app-1.0.0`;
  });
  afterAll(async () => {
    await s3?.close();
    t.cleanup();
  });

  it('uploads, verifies and records the binary with its location and region', async () => {
    const r = await meta(['binary', 'upload', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--file', `${t.dir}/app`, '--to', US, '--region', 'us', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ digest, size: bin.length, url: US, region: 'us' });
    expect(out.locationPath).toMatch(/\/releases\/[0-9a-f]{2}\/1\.0\.0\/locations\/linux-amd64\/\d{8}T\d{9}Z-[0-9a-f]{8}\.pb$/);
  });

  it('replicates to a second region and a directory, recording each verified copy', async () => {
    const r = await meta(['binary', 'replicate', digest, '--to', EU, '--region', 'eu', '--to', LOCAL, '--region', 'local', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.results.map((x: { url: string; ok: boolean }) => [x.url, x.ok])).toEqual([[EU, true], [LOCAL, true]]);
    expect(readFileSync(`${t.dir}/mirror/acme/app-1.0.0`).equals(bin)).toBe(true);
  });

  it('lists every location with region and verifies each, deep', async () => {
    const r = await meta(['binary', 'locations', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--verify', '--deep', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // The upload's own location first; the two copies made at once in the order they were verified.
    const rows = out.locations.map((l: { url: string; region: string; check: string; verifiedBy: string }) => [l.url, l.region, l.check, l.verifiedBy]);
    expect(rows[0]).toEqual([US, 'us', 'ok', 'test <test@example.com>']);
    expect(rows.slice(1).sort()).toEqual([[EU, 'eu', 'ok', 'test <test@example.com>'], [LOCAL, 'local', 'ok', 'test <test@example.com>']].sort());
  });

  it('resolve lists every location with its region', async () => {
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    const r = await meta(['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64', '--json']);
    expect(r.code).toBe(0);
    const regions = JSON.parse(r.stdout).binary.regions as { url: string; region: string }[];
    expect(regions[0]).toEqual({ url: US, region: 'us' });
    expect(regions.slice(1).sort((a, b) => a.region.localeCompare(b.region))).toEqual([{ url: EU, region: 'eu' }, { url: LOCAL, region: 'local' }]);
    expect(JSON.parse(r.stdout).binary.locations).toEqual(regions.map((l) => l.url));
  });

  it('/download prefers ?region= and answers a presigned URL for a private bucket', async () => {
    const serve = await startServe(`${t.dir}/meta`, ['--presign-s3', '120', '--no-replicate'], env);
    try {
      const base = `${serve.url}/v1/projects/acme/app/channels/stable/download?platform=linux/amd64`;
      const eu = await fetch(`${base}&region=eu`, { redirect: 'manual' });
      expect(eu.status).toBe(302);
      const loc = eu.headers.get('location')!;
      expect(loc).toMatch(new RegExp(`^${s3.endpoint}/eu-builds/acme/app/1\\.0\\.0/linux-amd64\\?.*X-Amz-Signature=[0-9a-f]{64}`));
      expect(loc).toContain('X-Amz-Expires=120');
      const got = Buffer.from(await (await fetch(loc)).arrayBuffer());
      expect(got.equals(bin)).toBe(true);
      const us = await fetch(`${base}&region=us`, { redirect: 'manual' });
      expect(us.headers.get('location')).toMatch(new RegExp(`^${s3.endpoint}/us-builds/`));
      const bad = await fetch(`${base}&region=../x`, { redirect: 'manual' });
      expect(bad.status).toBe(400);
    } finally {
      await serve.stop();
    }
  });

  it('a follower installs from its region, and falls back when that copy is gone', async () => {
    const follow = (dir: string) => meta(['follow', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', dir, '--once', '--region', 'eu']);
    mkdirSync(`${t.dir}/host1`);
    const a = await follow(`${t.dir}/host1`);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain(`installing acme/app 1.0.0 (${digest}) from ${EU}, ${US}, `);
    expect(a.stderr).not.toMatch(/location .*:/);
    expect(readFileSync(`${t.dir}/host1/current/app`).equals(bin)).toBe(true);

    const storage = new BlobStorage({ s3: { env, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } });
    await storage.remove(EU);
    await storage.close();
    mkdirSync(`${t.dir}/host2`);
    const b = await follow(`${t.dir}/host2`);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(`location ${EU}: `);
    expect(readFileSync(`${t.dir}/host2/current/app`).equals(bin)).toBe(true);
  });

  it('locations --verify reports the missing copy, and --deep catches a corrupted one of the same size', async () => {
    const path = `${t.dir}/mirror/acme/app-1.0.0`;
    const bad = Buffer.from(bin);
    bad[1000] ^= 0xff;
    writeFileSync(path, bad);
    const shallow = await meta(['binary', 'locations', digest, '--verify', '--json']);
    expect(shallow.code).toBe(6);
    const s = JSON.parse(shallow.stdout);
    expect(Object.fromEntries(s.locations.map((l: { region: string; check: string }) => [l.region, l.check]))).toEqual({ us: 'ok', eu: 'missing', local: 'ok' });
    const deep = await meta(['binary', 'locations', digest, '--verify', '--deep']);
    expect(deep.code).toBe(6);
    expect(deep.stdout).toMatch(/CORRUPT\s+local\s+file:\/\//);
    expect(deep.stdout).toMatch(/MISSING\s+eu\s+s3:\/\/eu-builds/);
    expect(deep.stderr).toContain('2 of 3 location(s) are missing, corrupt');
    expect(existsSync(path)).toBe(true);
  });
});

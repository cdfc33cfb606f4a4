/**
 * Storage locations are attacker-reachable text: arguments, meta.yaml's replication templates
 * (any writer can change them), binary and location records (any writer can append them), and
 * what an S3 endpoint answers. This file attacks that surface: credentials in URLs, relative and
 * dot-dot file paths, `..` smuggled through template values, a record pointing a replication
 * source at an unrelated local file, and an S3 server that refuses the signature (whose error
 * must not print the secret key, a stack, or the authorization header).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, recordBinary, recordRelease, resolveBinary } from '../../src/index.js';
import { validateAnswer } from '../../src/follow/validateAnswer.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { expandLocation, templateValues } from '../../src/api/storageSettings.js';
import { replicateBinary } from '../../src/api/replicateBinary.js';
import { checkProjectName, checkVersion, parsePlatform } from '../../src/records/names.js';
import { parseLocation } from '../../src/storage/parseLocation.js';
import { tempDir } from '../helpers/diskRepo.js';
import { codeOf } from '../helpers/errorCode.js';
import { runMeta } from '../helpers/metaProcess.js';
import { diskRepo, sha, sha256 } from '../helpers/serveFixtures.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+TOPSECRETkey';

describe('hostile storage locations', () => {
  const t = tempDir('meta-sec-storage-');
  let repo: MetaRepo;
  let fake: Server;
  let fakeUrl = '';
  let seenAuth = '';
  beforeAll(async () => {
    repo = await diskRepo(t.dir);
    await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('c') }] });
    writeFileSync(`${t.dir}/app`, 'the binary\n');
    // An "S3" that refuses every signature and quotes the request's Authorization header back.
    fake = createServer((req, res) => {
      seenAuth = String(req.headers.authorization ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match. Authorization: ${seenAuth}</Message><RequestId>1</RequestId></Error>`);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => { fake.close(() => r()); fake.closeAllConnections(); });
    t.cleanup();
  });

  it.each([
    ['s3://AKIAKEY:hunter2secret@bucket/key', 'hunter2secret'],
    ['https://ci:hunter2secret@dl.example/app', 'hunter2secret'],
    ['file://relative/app', undefined],
    ['file:///tmp/a/../../etc/passwd', undefined],
    ['file:///tmp/%2e%2e/etc/passwd', undefined],
    ['file:///tmp/a%2fb', undefined],
    ['s3://bucket/a/../../other-bucket/key', undefined],
    ['s3://bucket/a/%2E%2E/key', undefined],
    ['s3://Bucket_Upper/key', undefined],
    ['ftp://files.example/app', undefined],
    ['https://dl.example/a/../b', undefined],
  ])('refuses --to %s (exit 2), never echoing credentials', async (to, secret) => {
    const r = await runMeta(['binary', 'upload', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--file', `${t.dir}/app`, '--to', to, '--repo', `${t.dir}/meta`]);
    expect(r.code, r.stderr).toBe(2);
    if (secret) expect(r.stderr + r.stdout).not.toContain(secret);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an S3 error from a bad secret key prints no key, no stack and no authorization header', async () => {
    const env = {
      AWS_ENDPOINT_URL_S3: fakeUrl, AWS_ACCESS_KEY_ID: 'AKIAFAKEACCESSKEY', AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: `${t.dir}/none`, AWS_SHARED_CREDENTIALS_FILE: `${t.dir}/none`, AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const json of [[], ['--json']]) {
      const r = await runMeta(['binary', 'upload', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--file', `${t.dir}/app`, '--to', 's3://builds/acme/app', ...json, '--repo', `${t.dir}/meta`], env);
      expect(r.code, r.stderr).toBe(10);
      expect(seenAuth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEACCESSKEY\//);
      const all = r.stdout + r.stderr;
      expect(all).toMatch(/refused the credentials \(SignatureDoesNotMatch, HTTP 403\)/);
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain('TOPSECRET');
      expect(all).not.toContain(seenAuth.split('Signature=')[1]!);
      expect(all).not.toMatch(/\n\s+at |NodeVersionSupportWarning/);
    }
    // Nothing was recorded.
    expect(repo.store.snapshot().list('projects/acme/app/releases').length).toBeGreaterThan(0);
    const r = await runMeta(['binary', 'locations', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--repo', `${t.dir}/meta`]);
    expect(r.code).toBe(3);
  });

  it('template values cannot climb out of the template: every name that passes its rule stays a plain segment', () => {
    const hostile = ['..', '.', '../x', 'a/../b', 'a/./b', '%2e%2e', 'a%2fb', 'a\\b', '1..2', '.hidden', 'x/', '/abs', 'a//b', 'a\u0000b', '…', 'a b', '1.0.0+build.5', 'rc_1-x', 'a.b'];
    const d = `sha256:${'0'.repeat(64)}`;
    let accepted = 0;
    for (const h of hostile) {
      const project = codeOf(() => checkProjectName(`acme/${h}`)) ? undefined : `acme/${h}`;
      const version = codeOf(() => checkVersion(h)) ? undefined : h;
      const platform = codeOf(() => parsePlatform(`linux/${h}`)) ? undefined : `linux/${h}`;
      for (const v of [
        project && templateValues(project, '1.0.0', { os: 'linux', arch: 'amd64', variant: '' }, d),
        version && templateValues('acme/app', version, { os: 'linux', arch: 'amd64', variant: '' }, d),
        platform && templateValues('acme/app', '1.0.0', parsePlatform(platform), d),
      ]) {
        if (!v) continue;
        accepted++;
        const url = expandLocation('s3://eu-builds/mirror/{project}/{version}/{platform}', v);
        expect(url.startsWith('s3://eu-builds/mirror/')).toBe(true);
        const key = url.slice('s3://eu-builds/'.length).split('/');
        expect(key.some((s) => s === '..' || s === '.' || s === '' || decodeURIComponent(s).includes('/'))).toBe(false);
        parseLocation(url);
      }
    }
    // The plain names pass and stay under the prefix; every one with a dot segment or separator was refused by its name rule.
    expect(accepted).toBeGreaterThan(0);
    expect(codeOf(() => checkVersion('..'))).toBe('INVALID_NAME');
    expect(codeOf(() => checkProjectName('acme/..'))).toBe('INVALID_NAME');
    expect(codeOf(() => parsePlatform('linux/..'))).toBe('INVALID_NAME');
  });

  it('a record naming an unrelated local file as a location never sends that file anywhere', async () => {
    writeFileSync(`${t.dir}/private-key`, 'not the binary at all: a secret of this host\n');
    const content = 'released binary bytes\n';
    await recordRelease(repo, { project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('d') }] });
    // A hostile writer records the binary's digest but points its only location at a private file.
    await recordBinary(repo, { project: 'acme/app', version: '2.0.0', platform: 'linux/amd64', digest: sha256(content), size: Buffer.byteLength(content), urls: [`file://${t.dir}/private-key`] });
    const r = await replicateBinary(repo, { target: { project: 'acme/app', version: '2.0.0', platform: 'linux/amd64' }, to: [{ url: `file://${t.dir}/out/copy` }], retries: 1, backoff: { baseMs: 1, capMs: 2 } });
    expect(r.ok).toBe(false);
    expect(r.results[0]!.error!.code).toBe('DIGEST_MISMATCH');
    expect(existsSync(`${t.dir}/out/copy`)).toBe(false);
    expect(existsSync(`${t.dir}/out`)).toBe(false);
  });

  it("a follower refuses a server answer whose regions list adds a location, or carries a bad region", async () => {
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' });
    const r = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
    const want = { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' };
    const json = JSON.parse(JSON.stringify(r));
    expect(validateAnswer(json, want).binary.regions).toEqual(r.binary.regions);
    const older = JSON.parse(JSON.stringify(r));
    delete older.binary.regions;
    expect(validateAnswer(older, want).binary.regions).toEqual(r.binary.locations.map((url) => ({ url, region: '' })));
    for (const regions of [
      [{ url: 'https://evil.example/app', region: 'eu' }],
      [{ url: r.binary.locations[0], region: '../eu' }],
      [{ url: r.binary.locations[0], region: 'eu\u001b[31m' }],
      [{ url: r.binary.locations[0] }],
      'eu',
      Array.from({ length: 65 }, () => ({ url: r.binary.locations[0], region: 'eu' })),
    ]) {
      const bad = JSON.parse(JSON.stringify(r));
      bad.binary.regions = regions;
      expect(codeOf(() => validateAnswer(bad, want))).toBe('CORRUPT_RECORD');
    }
  });
});

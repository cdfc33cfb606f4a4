import { describe, expect, it } from 'vitest';
import { parseLocation } from '../../src/storage/parseLocation.js';
import { presignS3Get } from '../../src/storage/presignS3.js';
import { scrubSecrets } from '../../src/storage/storageError.js';
import { expandLocation, projectMatches, readReplication, readStorageSettings, templateValues } from '../../src/api/storageSettings.js';
import { validateSettings } from '../../src/api/validateSettings.js';
import { codeOf } from '../helpers/errorCode.js';

describe('storage locations', () => {
  it('parses the three kinds', () => {
    expect(parseLocation('s3://eu-builds/acme/app/1.0.0/linux-amd64')).toEqual({ kind: 's3', url: 's3://eu-builds/acme/app/1.0.0/linux-amd64', bucket: 'eu-builds', key: 'acme/app/1.0.0/linux-amd64' });
    expect(parseLocation('file:///srv/mirror/app')).toEqual({ kind: 'file', url: 'file:///srv/mirror/app', path: '/srv/mirror/app' });
    expect(parseLocation('file:///srv/with%20space')).toMatchObject({ path: '/srv/with space' });
    expect(parseLocation('https://dl.example/app/1.0.0')).toEqual({ kind: 'http', url: 'https://dl.example/app/1.0.0' });
  });
});

describe('presigned S3 GET', () => {
  it("matches AWS's published SigV4 query-string example", () => {
    // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", the example GET of test.txt.
    const url = presignS3Get({
      bucket: 'examplebucket', key: 'test.txt', region: 'us-east-1', expiresSeconds: 86400, now: new Date('2013-05-24T00:00:00Z'),
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    });
    expect(url).toBe('https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
    expect(url).not.toContain('wJalrXUtnFEMI');
  });

  it('addresses an S3-compatible endpoint path-style', () => {
    const url = presignS3Get({ bucket: 'eu', key: 'a b/c', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', expiresSeconds: 60, credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:9000\/eu\/a%20b\/c\?X-Amz-Algorithm=/);
  });
});

describe('storage settings', () => {
  it('fills templates with checked names only', () => {
    const v = templateValues('acme/app', '1.2.0', { os: 'linux', arch: 'arm', variant: 'v7' }, `sha256:${'a'.repeat(64)}`);
    expect(expandLocation('s3://eu-builds/{project}/{version}/{platform}/{digest}', v)).toBe(`s3://eu-builds/acme/app/1.2.0/linux/arm/v7/${'a'.repeat(64)}`);
    expect(codeOf(() => expandLocation('s3://eu-builds/{home}', v))).toBe('INVALID_ARGUMENT');
  });

  it('matches projects by name, prefix and star', () => {
    expect(projectMatches(['acme/*'], 'acme/app')).toBe(true);
    expect(projectMatches(['acme/*'], 'acmex/app')).toBe(false);
    expect(projectMatches(['acme/app'], 'acme/app/sub')).toBe(false);
    expect(projectMatches(['*'], 'x/y')).toBe(true);
  });

  it('reports every bad replication entry by its key and keeps the good ones', () => {
    const { rules, problems } = readReplication({
      replication: [
        { projects: ['acme/*'], to: [{ url: 's3://eu-builds/{project}/{version}/{platform}', region: 'eu' }, { url: 'ftp://x/{project}' }, { url: 's3://b/{project}/../{version}' }] },
        { projects: ['../x'], to: [{ url: 's3://b/k' }] },
        { projects: ['a/b'], to: [{ url: 'https://user:pw@h/{project}' }, { url: 's3://b/{user}' }, { url: 'file://relative/{project}' }] },
      ],
    });
    expect(rules).toEqual([{ projects: ['acme/*'], to: [{ url: 's3://eu-builds/{project}/{version}/{platform}', region: 'eu' }] }]);
    expect(problems.map((p) => p.key)).toEqual(['replication.0.to.1.url', 'replication.0.to.2.url', 'replication.1.projects', 'replication.2.to.0.url', 'replication.2.to.1.url', 'replication.2.to.2.url']);
    expect(JSON.stringify(problems)).not.toContain('pw');
  });

  it('checks storage.s3.endpoint, and the validator knows both keys', () => {
    expect(readStorageSettings({ storage: { s3: { endpoint: 'http://127.0.0.1:9000' } } })).toEqual({ s3Endpoint: 'http://127.0.0.1:9000', problems: [] });
    expect(readStorageSettings({ storage: { s3: { endpoint: 'http://k:s@minio:9000' } } }).problems[0]!.key).toBe('storage.s3.endpoint');
    expect(validateSettings({ format: 1, storage: { s3: { endpoint: 'ftp://x' } }, replication: 'nope' }).map((p) => p.key)).toEqual(['storage.s3.endpoint', 'replication']);
  });

  it('masks credential values in storage error text', () => {
    expect(scrubSecrets('bad key AKIDSECRETVALUE1234 and X-Amz-Signature=abcdef&x=1', { AWS_SECRET_ACCESS_KEY: 'AKIDSECRETVALUE1234' })).toBe('bad key *** and X-Amz-Signature=***&x=1');
  });
});

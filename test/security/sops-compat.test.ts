/**
 * SOPS files boot-meta writes must be what sops itself writes, and a file whose MAC was removed
 * is an integrity failure.
 *
 * - Binary secrets were written as `type:bytes`: the real sops panics on such values and its binary
 *   store refuses a non-string `data`. They are now `type:str`, as sops writes them (a Go string
 *   holds any bytes), and still round-trip byte for byte.
 * - An integer beyond int64 was written `type:int`, which sops cannot parse back (so it could not
 *   open the file at all); it is now a float, as sops stores such numbers.
 * - Deleting `sops.mac` used to give exit 2 ("not a readable SOPS file"); it is MAC_MISMATCH, exit 6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { decryptSops } from 'sops-age';
import { generateAgeIdentity, formatKeyFile } from '../../src/secrets/index.js';
import { secretPath } from '../../src/records/layout.js';
import { git, META_BIN, REPO_ROOT, tempDir } from '../helpers/diskRepo.js';

const VECTORS = `${REPO_ROOT}/test/fixtures/sops/humphd-sops-age`;

function meta(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', input, env: { ...process.env, META_ACTOR: 'sec <sec@example.com>', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The sops value strings of a file, with their type tags. */
const typeTags = (text: string) => [...text.matchAll(/type:([a-z0-9]+)\]/g)].map((m) => m[1]);

describe('what boot-meta writes, sops can read', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let gitdir: string;
  let key: { recipient: string; identity: string };
  beforeAll(async () => {
    tmp = tempDir('meta-sec-sops-');
    key = await generateAgeIdentity();
    writeFileSync(`${tmp.dir}/key.txt`, formatKeyFile(key));
    gitdir = `${tmp.dir}/meta`;
    env = { META_REPO: gitdir, SOPS_AGE_KEY_FILE: `${tmp.dir}/key.txt` };
    expect(meta(['init', '--env', 'prod', '--age', `prod=${key.recipient}`], env).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  const stored = (name: string, version: number, ext: string) => git(['--git-dir', gitdir, 'show', `HEAD:${secretPath('prod', name, version, ext)}`]);

  it('a binary secret is stored as sops stores it: {"data": "ENC[…type:str]"}, and sops-age reads it', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
    writeFileSync(`${tmp.dir}/tls.pem`, pem);
    const r = meta(['secret', 'set', 'prod/tls', '--file', `${tmp.dir}/tls.pem`, '--json'], env);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).format).toBe('binary');
    const text = stored('tls', 1, 'bin');
    expect(Object.keys(JSON.parse(text))).toEqual(['data', 'sops']);
    expect(JSON.parse(text).data).toMatch(/^ENC\[AES256_GCM,data:.+,type:str\]$/);
    expect(typeTags(text)).not.toContain('bytes');
    const theirs = await decryptSops(text, { secretKey: key.identity, fileType: 'json' });
    expect(theirs).toEqual({ data: pem });
    const out = `${tmp.dir}/tls.out`;
    expect(meta(['secret', 'get', 'prod/tls', '--out', out], env).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(pem);
  });

  it('bytes that are not UTF-8 are still a type:str value and come back exactly', () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0a, 0x7f]);
    writeFileSync(`${tmp.dir}/blob.bin`, bytes);
    expect(meta(['secret', 'set', 'prod/blob', '--file', `${tmp.dir}/blob.bin`], env).code).toBe(0);
    const text = stored('blob', 1, 'bin');
    expect(typeTags(text)).toEqual(['str', 'str']); // the value and the MAC
    const out = `${tmp.dir}/blob.out`;
    expect(meta(['secret', 'get', 'prod/blob', '--out', out], env).code).toBe(0);
    expect(readFileSync(out)).toEqual(bytes);
  });

  it('integers beyond int64 are written as sops would, as floats; int64 values stay ints', async () => {
    const yaml = 'port: 5432\nmin: -9223372036854775808\nmax: 9223372036854775807\nhuge: 9223372036854775808\nhuger: 123456789012345678901234567890\n';
    expect(meta(['secret', 'set', 'prod/nums', '--file', '-', '--format', 'yaml'], env, yaml).code).toBe(0);
    const text = stored('nums', 1, 'yaml');
    expect(typeTags(text)).toEqual(['int', 'int', 'int', 'float', 'float', 'str']);
    const theirs = await decryptSops(text, { secretKey: key.identity, fileType: 'yaml' });
    expect(theirs.port).toBe(5432);
    expect(theirs.huge).toBe(9223372036854775808);
    expect(theirs.huger).toBe(1.2345678901234568e29);
    const json = meta(['secret', 'get', 'prod/nums', '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).value).toMatchObject({ port: 5432, huge: 9223372036854775808, huger: 1.2345678901234568e29 });
  });
});

describe('a SOPS file whose MAC was removed', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('meta-sec-nomac-');
  });
  afterAll(() => tmp.cleanup());

  // Only the vector's key: no default key file from the environment.
  const decrypt = (file: string) => meta(['secret', 'decrypt', file, '-i', `${VECTORS}/key.txt`, '--json'], { XDG_CONFIG_HOME: tmp.dir, HOME: tmp.dir });

  it.each([
    ['YAML written by sops', 'secret.enc.yaml', /^\s*mac: ENC\[.*\n/m],
    ['JSON written by sops', 'secret.enc.json', /^\s*"mac": "ENC\[.*\n/m],
  ])('%s: decrypts as it is, and fails with MAC_MISMATCH (exit 6) once sops.mac is deleted', (_what, name, macLine) => {
    const original = readFileSync(`${VECTORS}/${name}`, 'utf8');
    writeFileSync(`${tmp.dir}/${name}`, original);
    expect(decrypt(`${tmp.dir}/${name}`).code).toBe(0);
    const stripped = original.replace(macLine, '');
    expect(stripped).not.toContain('"mac"');
    expect(stripped).not.toMatch(/^\s*mac:/m);
    writeFileSync(`${tmp.dir}/stripped-${name}`, stripped);
    const r = decrypt(`${tmp.dir}/stripped-${name}`);
    expect(r.out).toBe('');
    expect(r.code).toBe(6);
    expect(JSON.parse(r.err).error.code).toBe('MAC_MISMATCH');
  });

  it('in the repository: a new version without its MAC, appended by someone else, is refused (exit 6)', async () => {
    const key = await generateAgeIdentity();
    writeFileSync(`${tmp.dir}/key.txt`, formatKeyFile(key));
    const gitdir = `${tmp.dir}/meta`;
    const env = { META_REPO: gitdir, SOPS_AGE_KEY_FILE: `${tmp.dir}/key.txt` };
    expect(meta(['init', '--env', 'prod', '--age', `prod=${key.recipient}`], env).code).toBe(0);
    expect(meta(['secret', 'set', 'prod/db', '--file', '-'], env, 'user: app\npassword: hunter2\n').code).toBe(0);
    const v1 = git(['--git-dir', gitdir, 'show', `HEAD:${secretPath('prod', 'db', 1, 'yaml')}`]);
    const v2 = v1.replace(/^\s*mac: ENC\[.*\n/m, '');
    expect(v2).not.toBe(v1);
    const oid = git(['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { input: v2 }).trim();
    const index = { GIT_INDEX_FILE: `${tmp.dir}/index` };
    git(['--git-dir', gitdir, 'read-tree', 'HEAD'], { env: index });
    git(['--git-dir', gitdir, 'update-index', '--add', '--cacheinfo', `100644,${oid},${secretPath('prod', 'db', 2, 'yaml')}`], { env: index });
    const tree = git(['--git-dir', gitdir, 'write-tree'], { env: index }).trim();
    git(['--git-dir', gitdir, 'update-ref', 'HEAD', git(['--git-dir', gitdir, 'commit-tree', tree, '-p', 'HEAD', '-m', 'secret v2']).trim()]);
    const r = meta(['secret', 'get', 'prod/db', '--json'], env);
    expect(r.out).toBe('');
    expect(r.code).toBe(6);
    expect(JSON.parse(r.err).error.code).toBe('MAC_MISMATCH');
  });
});

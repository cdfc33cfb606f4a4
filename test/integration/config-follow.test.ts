/**
 * Config over HTTP and on followers: the config route (ETag, If-None-Match, long-poll), resolve
 * with include=config read at one commit, and the real `meta follow` writing the config file
 * before its hook and again on a config-only change, with secrets decrypted only by the
 * environment's identity, never through a symbolic link, and refusing hostile server answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { addProject, initMeta, promote, setConfig, setSecret } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { importFlags } from '../../src/api/importFlags.js';
import { generateAgeIdentity, type AgeKeyPair } from '../../src/secrets/index.js';
import { tempDir } from '../helpers/diskRepo.js';
import { fileServer, releaseWithBinary } from '../helpers/serveFixtures.js';
import { hostileProxy } from '../helpers/hostileServe.js';
import { spawnMeta, startServe, until, type ServeProcess } from '../helpers/metaProcess.js';

const link = (dir: string) => (existsSync(`${dir}/current`) ? readlinkSync(`${dir}/current`) : undefined);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
type Json = any;
const FLAGS = { flags: { 'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } } };

describe('config over HTTP and on followers', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let files: Awaited<ReturnType<typeof fileServer>>;
  let serve: ServeProcess;
  let url = '';
  let dev: AgeKeyPair;
  let prod: AgeKeyPair;
  const key = (n: string) => `${tmp.dir}/${n}.txt`;

  beforeAll(async () => {
    tmp = tempDir('meta-config-');
    [dev, prod] = await Promise.all([generateAgeIdentity(), generateAgeIdentity()]);
    writeFileSync(key('dev'), `${dev.identity}\n`, { mode: 0o600 });
    writeFileSync(key('prod'), `${prod.identity}\n`, { mode: 0o600 });
    repo = await initMeta({ dir: `${tmp.dir}/meta`, actor: 'test <test@example.com>', env: {}, environments: ['dev', 'staging', 'prod'], ageRecipients: { dev: [dev.recipient], prod: [prod.recipient] } });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    mkdirSync(`${tmp.dir}/bin`);
    files = await fileServer(`${tmp.dir}/bin`);
    writeFileSync(`${tmp.dir}/bin/app-1`, 'v1 bytes');
    await releaseWithBinary(repo, '1.0.0', 'v1 bytes', `${files.url}/app-1`);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'prod-pw']] });
    await setConfig(repo, { project: 'acme/app', set: { LOG_LEVEL: 'info', REGION: 'eu' } });
    await setConfig(repo, { project: 'acme/app', env: 'staging', channel: 'stable', set: { LOG_LEVEL: 'debug' }, json: { LIMITS: '{"rps":10}' } });
    await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LOG_LEVEL: 'warn' }, secrets: { DB_PASSWORD: 'db#password' } });
    await importFlags(repo, { project: 'acme/app', channel: 'stable', document: JSON.stringify(FLAGS) });
    serve = await startServe(repo.dir, ['--no-webhooks']);
    url = serve.url;
  });
  afterAll(async () => {
    await serve?.stop();
    await files?.close();
    tmp?.cleanup();
  });

  it('GET …/config answers the merged config with an ETag, 304 while it holds, and wakes a long-poll on a change', async () => {
    const path = `${url}/v1/projects/acme/app/config?env=staging&channel=stable`;
    const first = await fetch(path);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const body = (await first.json()) as Json;
    expect(body).toMatchObject({ project: 'acme/app', env: 'staging', channel: 'stable', config: { LIMITS: { rps: 10 }, LOG_LEVEL: 'debug', REGION: 'eu' }, secrets: {} });
    expect(etag).toBe(`"${body.commit}"`);
    expect((await fetch(path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // A write that does not touch this config keeps it "not modified".
    await setConfig(repo, { project: 'acme/app', env: 'dev', set: { OTHER: '1' } });
    expect((await fetch(path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // A long-poll answers once the config changes.
    const waiting = fetch(`${path}&wait=30`, { headers: { 'if-none-match': etag } });
    await setConfig(repo, { project: 'acme/app', env: 'staging', set: { NEW_KEY: 'yes' } });
    const changed = await waiting;
    expect(changed.status).toBe(200);
    const now = (await changed.json()) as Json;
    expect(now.config.NEW_KEY).toBe('yes');
    expect(changed.headers.get('etag')).not.toBe(etag);
    // ?at= is an immutable snapshot: the old answer, cacheable forever.
    const old = await fetch(`${path}&at=${body.commit}`);
    expect(old.headers.get('cache-control')).toContain('immutable');
    expect(((await old.json()) as Json).config.NEW_KEY).toBeUndefined();
  });

  it('never sends secret values, refuses undeclared names, and resolve include=config reads the binary and the config at one commit', async () => {
    const prodCfg = await fetch(`${url}/v1/projects/acme/app/config?env=prod`);
    const text = await prodCfg.text();
    expect(JSON.parse(text).config.DB_PASSWORD).toBe('secret:db#password');
    expect(text).not.toContain('prod-pw');
    expect((await fetch(`${url}/v1/projects/acme/app/config?env=prd`)).status).toBe(404);
    expect((await fetch(`${url}/v1/projects/acme/app/config?env=prod&channel=nope`)).status).toBe(404);
    expect((await fetch(`${url}/v1/projects/acme/app/config`)).status).toBe(400);
    const r = (await (await fetch(`${url}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&env=staging&include=config`)).json()) as Json;
    expect(r.release.version).toBe('1.0.0');
    expect(r.config.commit).toBe(r.commit);
    expect(r.config).toMatchObject({ env: 'staging', channel: 'stable', config: { LOG_LEVEL: 'debug' } });
    expect((await fetch(`${url}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&include=config`)).status).toBe(400);
  });

  it('a follower of meta serve writes the config before its hook, and rewrites it on a config-only change', async () => {
    const inst = `${tmp.dir}/host-a`;
    const cfg = `${tmp.dir}/host-a.config.json`;
    const flags = `${tmp.dir}/host-a.flags.json`;
    const f = spawnMeta([
      'follow', 'acme/app', '--server', url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', inst, '--env', 'staging',
      '--config-file', cfg, '--flags-file', flags, '--timeout', '90', '--recheck', '60',
      '--exec', 'cp "$META_CONFIG_FILE" seen-by-install.json', '--on-config-change', 'cp "$META_CONFIG_FILE" seen-by-change.json',
    ]);
    try {
      await until(() => link(inst) === 'releases/1.0.0' && existsSync(`${inst}/seen-by-install.json`), `the follower to install 1.0.0 (${f.err()})`);
      expect(readJson(`${inst}/seen-by-install.json`)).toMatchObject({ LOG_LEVEL: 'debug', REGION: 'eu', LIMITS: { rps: 10 } });
      expect(statSync(cfg).mode & 0o777).toBe(0o644); // no secret values in it
      expect(readJson(flags)).toEqual(FLAGS);
      expect(existsSync(`${inst}/seen-by-change.json`)).toBe(false);

      await setConfig(repo, { project: 'acme/app', env: 'staging', channel: 'stable', set: { LOG_LEVEL: 'trace' } });
      await until(() => existsSync(`${inst}/seen-by-change.json`), `the follower to rewrite the config (${f.err()})`);
      expect(readJson(cfg).LOG_LEVEL).toBe('trace');
      expect(readJson(`${inst}/seen-by-change.json`).LOG_LEVEL).toBe('trace');
      expect(link(inst)).toBe('releases/1.0.0');
    } finally {
      f.child.kill('SIGTERM');
      await f.exit;
    }
  });

  it('a follower of meta serve decrypts secrets from the encrypted files it is sent, only with the environment identity', async () => {
    const follow = async (name: string, id: string, via = url) => {
      const f = spawnMeta(['follow', 'acme/app', '--server', via, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', `${tmp.dir}/${name}`, '--env', 'prod', '--config-file', `${tmp.dir}/${name}.json`, '--identity', key(id), '--once', '--timeout', '60'], { HOME: tmp.dir });
      return { code: await f.exit, err: f.err() };
    };
    // The answer carries ciphertext only.
    const answer = await (await fetch(`${url}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&env=prod&include=config&config-secrets=encrypted`)).text();
    expect(answer).toContain('ENC[AES256_GCM');
    expect(answer).not.toContain('prod-pw');
    const denied = await follow('host-b', 'dev');
    expect(denied.code, denied.err).toBe(10);
    expect(denied.err).toContain('DB_PASSWORD');
    expect(existsSync(`${tmp.dir}/host-b.json`)).toBe(false);
    expect(link(`${tmp.dir}/host-b`)).toBeUndefined();
    const ok = await follow('host-b2', 'prod');
    expect(ok.code, ok.err).toBe(0);
    expect(readJson(`${tmp.dir}/host-b2.json`)).toEqual({ DB_PASSWORD: 'prod-pw', LOG_LEVEL: 'warn', REGION: 'eu' });
    expect(statSync(`${tmp.dir}/host-b2.json`).mode & 0o777).toBe(0o600);

    // A server that tampers with the ciphertext, or leaves it out, gets nothing written.
    const proxy = await hostileProxy(url);
    try {
      proxy.rewrite = (real) => {
        const c = real.config as Json;
        const sops = c.encrypted.db.sops as string;
        const i = sops.indexOf('ENC[AES256_GCM,data:') + 20;
        return { ...real, config: { ...c, encrypted: { db: { ...c.encrypted.db, sops: `${sops.slice(0, i)}${sops[i] === 'A' ? 'B' : 'A'}${sops.slice(i + 1)}` } } } };
      };
      const tampered = await follow('host-b3', 'prod', proxy.url);
      expect(tampered.code, tampered.err).toBe(6);
      expect(existsSync(`${tmp.dir}/host-b3.json`)).toBe(false);
      proxy.rewrite = (real) => ({ ...real, config: { ...(real.config as Json), encrypted: {} } });
      const missing = await follow('host-b4', 'prod', proxy.url);
      expect(missing.code, missing.err).toBe(3);
      expect(existsSync(`${tmp.dir}/host-b4.json`)).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('a follower of the repository decrypts secrets only with the environment identity, mode 0600, never through a link', async () => {
    const follow = async (inst: string, cfg: string, id: string) => {
      const f = spawnMeta(['follow', 'acme/app', '--repo', repo.dir, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', inst, '--env', 'prod', '--config-file', cfg, '--identity', key(id), '--once', '--timeout', '60'], { HOME: tmp.dir });
      return { code: await f.exit, err: f.err() };
    };
    // A dev identity cannot decrypt a prod secret: nothing written, nothing installed.
    const denied = await follow(`${tmp.dir}/host-c`, `${tmp.dir}/host-c.json`, 'dev');
    expect(denied.code, denied.err).toBe(10);
    expect(denied.err).toContain('DB_PASSWORD');
    expect(denied.err).not.toContain(tmp.dir);
    expect(existsSync(`${tmp.dir}/host-c.json`)).toBe(false);
    expect(link(`${tmp.dir}/host-c`)).toBeUndefined();

    const ok = await follow(`${tmp.dir}/host-d`, `${tmp.dir}/host-d.json`, 'prod');
    expect(ok.code, ok.err).toBe(0);
    expect(readJson(`${tmp.dir}/host-d.json`)).toEqual({ DB_PASSWORD: 'prod-pw', LOG_LEVEL: 'warn', REGION: 'eu' });
    expect(statSync(`${tmp.dir}/host-d.json`).mode & 0o777).toBe(0o600);

    // The config path is a link to another file: refused, the link and its target untouched.
    writeFileSync(`${tmp.dir}/victim.txt`, 'do not touch');
    symlinkSync(`${tmp.dir}/victim.txt`, `${tmp.dir}/host-e.json`);
    const linked = await follow(`${tmp.dir}/host-e`, `${tmp.dir}/host-e.json`, 'prod');
    expect(linked.code, linked.err).toBe(5);
    expect(linked.err).toContain('symbolic link');
    expect(readFileSync(`${tmp.dir}/victim.txt`, 'utf8')).toBe('do not touch');
    expect(lstatSync(`${tmp.dir}/host-e.json`).isSymbolicLink()).toBe(true);
  });

  it('refuses hostile config and flags in a resolve answer: exit 6, nothing written, no crash', async () => {
    const proxy = await hostileProxy(url);
    try {
      const hostile: [string, (c: Record<string, unknown>) => unknown][] = [
        ['config not an object', () => [1, 2]],
        ['a key with a path in it', (c) => ({ ...c, config: { '../../etc/passwd': 'x' } })],
        ['a key with control characters', (c) => ({ ...c, config: { 'A\u001b[2J': 'x' } })],
        ['a __proto__ key', (c) => ({ ...c, config: JSON.parse('{"__proto__":{"polluted":true}}') })],
        ['a value nested too deep', (c) => ({ ...c, config: { A: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) } })],
        ['a huge value', (c) => ({ ...c, config: { A: 'x'.repeat(800 * 1024) } })],
        ['a secret reference with a non-string name', (c) => ({ ...c, secrets: { LOG_LEVEL: { name: 5, field: '', resolved: false } } })],
        ['a secret claimed already resolved', (c) => ({ ...c, secrets: { LOG_LEVEL: { name: 'db', field: '', resolved: true } } })],
        ['another environment', (c) => ({ ...c, env: 'prod' })],
        ['another commit', (c) => ({ ...c, commit: 'f'.repeat(40) })],
      ];
      for (const [label, rewrite] of hostile) {
        proxy.rewrite = (real) => ({ ...real, config: rewrite(real.config as Record<string, unknown>) });
        const cfg = `${tmp.dir}/hostile.json`;
        const f = spawnMeta(['follow', 'acme/app', '--server', proxy.url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', `${tmp.dir}/host-h`, '--env', 'staging', '--config-file', cfg, '--once', '--timeout', '60']);
        expect(await f.exit, `${label}: ${f.err()}`).toBe(6);
        expect(f.err(), label).toMatch(/config/);
        expect(f.err(), label).not.toMatch(/\n\s+at /);
        expect(f.err().length, label).toBeLessThan(2000);
        expect(existsSync(cfg), label).toBe(false);
      }
      proxy.rewrite = (real) => ({ ...real, flags: { sequence: 1, githash: null, document: { flags: { x: { state: 'ON', variants: {}, defaultVariant: 'nope' } } } } });
      const f = spawnMeta(['follow', 'acme/app', '--server', proxy.url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', `${tmp.dir}/host-h`, '--flags-file', `${tmp.dir}/hostile-flags.json`, '--once', '--timeout', '60']);
      expect(await f.exit, f.err()).toBe(6);
      expect(existsSync(`${tmp.dir}/hostile-flags.json`)).toBe(false);
      expect(link(`${tmp.dir}/host-h`)).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});

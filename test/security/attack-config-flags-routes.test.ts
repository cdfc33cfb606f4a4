/**
 * The config and flag routes of a real `meta serve`, attacked where the seeded fuzz passes do not
 * reach: a secret's value must not come back from any route (config, resolve include=config, the
 * dashboard's channels and log, the event stream); hostile query values (repeated, prototype
 * names, an If-None-Match naming a blob) are 4xx or a plain answer; flag keys named after
 * Object.prototype members evaluate as the flags they are; and a crowd of long-polls leaves the
 * server answering others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProject, initMeta, promote, setConfig, setSecret } from '../../src/index.js';
import { importFlags } from '../../src/api/importFlags.js';
import { generateAgeIdentity } from '../../src/secrets/index.js';
import { tempDir } from '../helpers/diskRepo.js';
import { releaseWithBinary } from '../helpers/serveFixtures.js';
import { startServe, type ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest } from '../helpers/rawRequest.js';

const SECRET = 'attack-secret-value-7f3a';

describe('config and flag routes under attack', () => {
  let tmp: ReturnType<typeof tempDir>;
  let serve: ServeProcess;
  let blob = '';

  beforeAll(async () => {
    tmp = tempDir('meta-attack-config-');
    const prod = await generateAgeIdentity();
    const repo = await initMeta({ dir: `${tmp.dir}/meta`, actor: 'test <test@example.com>', env: {}, environments: ['prod', 'staging'], channels: ['stable'], ageRecipients: { prod: [prod.recipient] } });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await releaseWithBinary(repo, '1.0.0', 'v1 bytes', 'https://files.example/app-1');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await setSecret(repo, { secret: 'prod/db', values: [['password', SECRET]] });
    await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LOG_LEVEL: 'warn' }, secrets: { DB_PASSWORD: 'db#password' } });
    const doc = '{"flags":{"__proto__":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"},"constructor":{"state":"ENABLED","variants":{"__proto__":"p","b":"q"},"defaultVariant":"__proto__"}}}';
    blob = (await importFlags(repo, { project: 'acme/app', channel: 'stable', document: doc })).githash!;
    repo.close();
    serve = await startServe(`${tmp.dir}/meta`, ['--no-webhooks', '--max-wait', '2']);
  });
  afterAll(async () => {
    await serve?.stop();
    tmp?.cleanup();
  });

  it('no route serves a secret value', async () => {
    const paths = [
      '/v1/projects/acme/app/config?env=prod', '/v1/projects/acme/app/config?env=prod&channel=stable',
      '/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&include=config,flags&env=prod',
      '/v1/projects/acme/app/channels', '/v1/log?limit=50', '/v1/log?project=acme/app', '/v1/projects/acme/app/releases/1.0.0',
    ];
    for (const p of paths) {
      const r = await rawRequest(serve.url, 'GET', p);
      expect(r.status, p).toBe(200);
      expect(r.text, p).not.toContain(SECRET);
    }
    const events = await fetch(`${serve.url}/v1/events?since=beginning`, { signal: AbortSignal.timeout(3000) }).then(async (res) => {
      const reader = res.body!.getReader();
      let text = '';
      // The whole history is a few events: read until it stops coming (bounded by the timeout).
      while (!text.includes('config.changed')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      await reader.cancel();
      return text;
    });
    expect(events).toContain('config.changed');
    expect(events).not.toContain(SECRET);
    expect(serve.err()).not.toContain(SECRET);
  });

  it('hostile config queries are 4xx or a plain answer, never 5xx', async () => {
    const cases: [string, Record<string, string>?][] = [
      ['/v1/projects/acme/app/config?env=prod&env=staging'],
      ['/v1/projects/acme/app/config?env=__proto__'],
      ['/v1/projects/acme/app/config?env=prod&channel=constructor'],
      ['/v1/projects/acme/app/config?env=prod&channel=__proto__'],
      ['/v1/projects/acme/app/config?env=%2e%2e&channel=%2e%2e'],
      ['/v1/projects/acme/app/config?env=prod&at=HEAD@{1}'],
      ['/v1/projects/acme/app/config?env=prod&wait=1', { 'if-none-match': `"${blob}"` }],
      ['/v1/projects/acme/app/config?env=prod&wait=1e308', { 'if-none-match': '"0000000000000000000000000000000000000000"' }],
      ['/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&include=config&include=config&env=prod&env=__proto__'],
      ['/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&include=__proto__'],
      ['/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&include=toString'],
    ];
    for (const [p, headers] of cases) {
      const r = await rawRequest(serve.url, 'GET', p, { headers });
      expect(r.status, `${p}: ${r.text}`).toBeLessThan(500);
      expect(r.text, p).not.toContain(tmp.dir);
      if (r.status >= 400) expect(JSON.parse(r.text).error.code, p).toMatch(/^[A-Z_]+$/);
    }
  });

  it('flags named after Object.prototype members are flags like any other over OFREP', async () => {
    const base = '/v1/projects/acme/app/channels/stable/ofrep/v1/evaluate/flags';
    const json = { 'content-type': 'application/json' };
    const proto = await rawRequest(serve.url, 'POST', `${base}/__proto__`, { headers: json, body: '{"context":{"__proto__":{"targetingKey":"x"}}}' });
    expect(JSON.parse(proto.text)).toMatchObject({ key: '__proto__', value: true, variant: 'on' });
    const ctor = await rawRequest(serve.url, 'POST', `${base}/constructor`, { headers: json, body: '{}' });
    expect(JSON.parse(ctor.text)).toMatchObject({ key: 'constructor', value: 'p', variant: '__proto__' });
    const missing = await rawRequest(serve.url, 'POST', `${base}/toString`, { headers: json, body: '{}' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ key: 'toString', errorCode: 'FLAG_NOT_FOUND' });
    const bulk = JSON.parse((await rawRequest(serve.url, 'POST', base, { headers: json, body: '{}' })).text) as { flags: { key: string }[] };
    expect(bulk.flags.map((f) => f.key).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('200 long-polls at once leave the server answering others', async () => {
    const first = await rawRequest(serve.url, 'GET', '/v1/projects/acme/app/config?env=prod');
    const etag = String(first.headers.etag);
    const waits = Array.from({ length: 200 }, (_, i) => rawRequest(serve.url, 'GET', `/v1/projects/acme/app/${i % 2 ? 'config?env=prod&' : 'channels/stable/flags?'}wait=2`, { headers: { 'if-none-match': i % 2 ? etag : `"${blob}"` } }));
    const health = await rawRequest(serve.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    const done = await Promise.all(waits);
    expect(done.every((r) => r.status === 304)).toBe(true);
    expect(serve.alive()).toBe(true);
  });
});

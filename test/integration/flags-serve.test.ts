import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { importFlags, promote, setFlag } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary } from '../helpers/serveFixtures.js';
import { startServe } from '../helpers/metaProcess.js';

const FLAGS = {
  $evaluators: { staff: { ends_with: [{ var: 'email' }, '@acme.com'] } },
  metadata: { flagSetId: 'acme-app' },
  flags: {
    'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'staff' }, 'on', null] } },
    'hash-edge': { state: 'ENABLED', variants: { lower: 'lower', upper: 'upper' }, defaultVariant: 'lower', targeting: { fractional: [{ var: 'targetingKey' }, ['lower', 50], ['upper', 50]] } },
    limit: { state: 'ENABLED', variants: { low: 10, high: 100 }, defaultVariant: 'low', metadata: { team: 'core' } },
    theme: { state: 'ENABLED', variants: { dark: { bg: '#000' }, light: { bg: '#fff' } }, defaultVariant: 'light' },
    retired: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  },
};

describe('flags over HTTP: flagd sync, OFREP, resolve include=flags', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let server: Awaited<ReturnType<typeof startServe>>;
  let base: string;
  let firstCommit: string;
  const post = (path: string, body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(`${base}${path}`, { method: 'POST', body, headers });

  beforeAll(async () => {
    tmp = tempDir();
    repo = await diskRepo(tmp.dir);
    await releaseWithBinary(repo, '1.0.0', 'binary one', 'https://files.example/app-1.0.0');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    firstCommit = (await importFlags(repo, { project: 'acme/app', channel: 'stable', document: JSON.stringify(FLAGS) })).commit;
    server = await startServe(`${tmp.dir}/meta`, ['--json', '--max-wait', '20', '--no-webhooks', '--max-body', '65536']);
    base = `${server.url}/v1/projects/acme%2Fapp/channels/stable`;
  });
  afterAll(async () => {
    await OpenFeature.close();
    await server?.stop();
    tmp?.cleanup();
  });

  it('the OpenFeature SDK with the OFREP provider evaluates through meta serve', async () => {
    await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: base }));
    const client = OpenFeature.getClient();
    expect(await client.getBooleanDetails('new-ui', false, { targetingKey: 'u1', email: 'ada@acme.com' })).toMatchObject({ flagKey: 'new-ui', value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { flagSetId: 'acme-app' } });
    expect(await client.getBooleanDetails('new-ui', true, { targetingKey: 'u1', email: 'bob@example.com' })).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(await client.getStringValue('hash-edge', 'x', { targetingKey: '6LvT0' })).toBe('upper');
    expect(await client.getStringValue('hash-edge', 'x', { targetingKey: 'SI7p-' })).toBe('lower');
    expect(await client.getNumberDetails('limit', 1, {})).toMatchObject({ value: 10, reason: 'STATIC', flagMetadata: { team: 'core', flagSetId: 'acme-app' } });
    expect(await client.getObjectValue('theme', {}, {})).toEqual({ bg: '#fff' });
    expect(await client.getBooleanDetails('missing', true, {})).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(await client.getBooleanDetails('retired', false, {})).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(await client.getNumberDetails('new-ui', 5, {})).toMatchObject({ value: 5, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('OFREP answers in the protocol shapes', async () => {
    const ok = await post('/ofrep/v1/evaluate/flags/limit', JSON.stringify({ context: {} }));
    expect([ok.status, await ok.json()]).toEqual([200, { key: 'limit', value: 10, reason: 'STATIC', variant: 'low', metadata: { flagSetId: 'acme-app', team: 'core' } }]);
    // An empty body is an empty context.
    expect((await post('/ofrep/v1/evaluate/flags/limit', undefined, {})).status).toBe(200);
    const missing = await post('/ofrep/v1/evaluate/flags/nope', '{}');
    expect([missing.status, await missing.json()]).toEqual([404, { key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: "flag 'nope' not found" }]);
    const bulk = await post('/ofrep/v1/evaluate/flags', JSON.stringify({ context: { targetingKey: 'ejOoVL', email: 'a@acme.com' } }));
    const etag = bulk.headers.get('etag');
    expect(bulk.status).toBe(200);
    expect(((await bulk.json()) as { flags: { key: string; value: unknown }[] }).flags.map((f) => [f.key, f.value])).toEqual([['hash-edge', 'lower'], ['limit', 10], ['new-ui', true], ['theme', { bg: '#fff' }]]);
    const again = await post('/ofrep/v1/evaluate/flags', JSON.stringify({ context: { targetingKey: 'ejOoVL', email: 'a@acme.com' } }), { 'content-type': 'application/json', 'if-none-match': etag! });
    expect(again.status).toBe(304);
    // Another context is another answer.
    expect((await post('/ofrep/v1/evaluate/flags', JSON.stringify({ context: { targetingKey: 'x' } }), { 'content-type': 'application/json', 'if-none-match': etag! })).status).toBe(200);
  });

  it('hostile OFREP requests get 4xx answers in OFREP form, and the server keeps serving', async () => {
    const cases: [string | undefined, Record<string, string>, number, string][] = [
      ['not json', { 'content-type': 'application/json' }, 400, 'INVALID_CONTEXT'],
      ['[1,2]', { 'content-type': 'application/json' }, 400, 'INVALID_CONTEXT'],
      ['{"context":"x"}', { 'content-type': 'application/json' }, 400, 'INVALID_CONTEXT'],
      ['{"context":{"targetingKey":5}}', { 'content-type': 'application/json' }, 400, 'INVALID_CONTEXT'],
      [JSON.stringify({ context: { a: 'x'.repeat(70_000) } }), { 'content-type': 'application/json' }, 413, 'INVALID_CONTEXT'],
      [`{"context":{"a":${'['.repeat(3000)}${']'.repeat(3000)}}}`, { 'content-type': 'application/json' }, 400, 'INVALID_CONTEXT'],
      ['{}', { 'content-type': 'text/plain' }, 415, 'INVALID_CONTEXT'],
    ];
    for (const [body, headers, status, code] of cases) {
      for (const path of ['/ofrep/v1/evaluate/flags/limit', '/ofrep/v1/evaluate/flags']) {
        const r = await post(path, body, headers);
        const j = (await r.json()) as { errorCode?: string; errorDetails?: string };
        expect([path, (body ?? '').slice(0, 40), r.status, j.errorCode]).toEqual([path, (body ?? '').slice(0, 40), status, code]);
        expect(j.errorDetails).not.toContain(tmp.dir);
      }
    }
    // A key with a control character never reaches the evaluator; an unknown channel is FLAG_NOT_FOUND.
    expect((await post('/ofrep/v1/evaluate/flags/a%07b', '{}')).status).toBe(400);
    const chan = await fetch(`${server.url}/v1/projects/acme%2Fapp/channels/stabel/ofrep/v1/evaluate/flags/limit`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect([chan.status, ((await chan.json()) as { errorCode: string }).errorCode]).toEqual([404, 'FLAG_NOT_FOUND']);
    expect((await fetch(`${base}/ofrep/v1/evaluate/flags/limit`)).status).toBe(405);
    expect(server.alive()).toBe(true);
  });

  it('resolve ?include=flags returns the flag set read at the same commit as the binary', async () => {
    const r = await fetch(`${base}/resolve?platform=linux/amd64&include=flags`);
    const body = (await r.json()) as { commit: string; release: { version: string }; flags: { sequence: number; document: unknown } };
    expect(body.release.version).toBe('1.0.0');
    expect(body.flags.sequence).toBe(1);
    expect(body.flags.document).toEqual(JSON.parse(await (await fetch(`${base}/flags?at=${body.commit}`)).text()));
    expect(body).not.toHaveProperty('included');
    const plain = (await (await fetch(`${base}/resolve?platform=linux/amd64`)).json()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('flags');
    const bad = await fetch(`${base}/resolve?platform=linux/amd64&include=flags,secrets`);
    expect([bad.status, ((await bad.json()) as { error: { message: string } }).error.message]).toEqual([400, expect.stringMatching(/unknown part 'secrets'; known: .*flags/)]);
  });

  it("a flagd-style poll of …/flags sees a change through its ETag (304 until then, long-poll wakes on it)", async () => {
    const first = await fetch(`${base}/flags`);
    const tag = first.headers.get('etag')!;
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await first.json()).toEqual(FLAGS);
    expect((await fetch(`${base}/flags`, { headers: { 'if-none-match': tag } })).status).toBe(304);
    // A poll waiting on the current tag answers with the new set once it lands.
    const waiting = fetch(`${base}/flags?wait=20`, { headers: { 'if-none-match': tag } });
    const change = await setFlag(repo, { project: 'acme/app', channel: 'stable', key: 'limit', variants: { low: 10, high: 100 }, defaultVariant: 'high' });
    const changed = await waiting;
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    expect(changed.headers.get('x-meta-commit')).toBe(change.commit);
    expect(((await changed.json()) as typeof FLAGS).flags.limit.defaultVariant).toBe('high');
    // The old set stays readable at its commit.
    expect(((await (await fetch(`${base}/flags?at=${firstCommit}`)).json()) as typeof FLAGS).flags.limit.defaultVariant).toBe('low');
    // And OFREP sees the new version.
    expect(await (await post('/ofrep/v1/evaluate/flags/limit', '{}')).json()).toMatchObject({ value: 100, variant: 'high' });
    expect((await fetch(`${server.url}/v1/projects/acme%2Fapp/channels/nope/flags`)).status).toBe(404);
  });
});

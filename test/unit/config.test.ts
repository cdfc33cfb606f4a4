/**
 * Config layers: the merge (defaults < environment < environment + channel), typed values,
 * secret references (checked at write, decrypted only with the environment's age identity),
 * declared names, limits, history, time travel, events and the config section of `meta diff`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addProject, configHistory, diffConfig, initMeta, listEvents, readConfig, resolveConfigSecrets, setConfig, setSecret } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { MAX_LAYER_BYTES } from '../../src/api/config/configRules.js';
import { classifyPath } from '../../src/records/layout.js';
import { generateAgeIdentity, type AgeKeyPair } from '../../src/secrets/index.js';
import { memFs } from '../helpers/memRepo.js';
import { asyncCodeOf, codeOf } from '../helpers/errorCode.js';

let dev: AgeKeyPair;
let prod: AgeKeyPair;
beforeAll(async () => {
  [dev, prod] = await Promise.all([generateAgeIdentity(), generateAgeIdentity()]);
});

/** A repository whose clock advances one minute per write, from 2026-01-01. */
async function repoWithApp(): Promise<MetaRepo> {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const repo = await initMeta({
    dir: '/meta', fs: memFs(), actor: 'Tess <tess@example.com>', env: {}, environments: ['dev', 'prod'],
    ageRecipients: { dev: [dev.recipient], prod: [prod.recipient] }, clock: () => new Date((t += 60_000)),
  });
  await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  return repo;
}

describe('config layers', () => {
  it('merges defaults < environment < environment + channel key by key, and says where each key came from', async () => {
    const repo = await repoWithApp();
    await setConfig(repo, { project: 'acme/app', set: { LOG_LEVEL: 'info', REGION: 'eu', COLOR: 'blue' } });
    await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LOG_LEVEL: 'warn' } });
    const r = await setConfig(repo, { project: 'app', env: 'prod', channel: 'stable', set: { COLOR: 'green' } });
    expect(r).toMatchObject({ project: 'acme/app', env: 'prod', channel: 'stable', sequence: 1, changed: true, path: 'projects/acme/app/config/env/prod/channel/stable/00000/0000000001.pb' });
    expect(classifyPath(r.path)).toEqual({ type: 'config', project: 'acme/app', env: 'prod', channel: 'stable', sequence: 1 });

    const v = readConfig(repo, { project: 'acme/app', env: 'prod', channel: 'stable', showLayers: true });
    expect(v.config).toEqual({ COLOR: 'green', LOG_LEVEL: 'warn', REGION: 'eu' });
    expect(v.layers).toEqual({ COLOR: 'channel', LOG_LEVEL: 'env', REGION: 'default' });
    expect(v.sequences).toEqual({ default: 1, env: 1, channel: 1 });
    expect(Object.keys(v.config)).toEqual(['COLOR', 'LOG_LEVEL', 'REGION']);
    // Another environment sees only the defaults; the channel layer of prod is not dev's.
    expect(readConfig(repo, { project: 'acme/app', env: 'dev', channel: 'stable' }).config).toEqual({ COLOR: 'blue', LOG_LEVEL: 'info', REGION: 'eu' });
    expect(readConfig(repo, { project: 'acme/app', env: 'prod' }).config.COLOR).toBe('blue');
  });

  it('appends whole layers: --unset removes a key, a change that changes nothing writes nothing', async () => {
    const repo = await repoWithApp();
    await setConfig(repo, { project: 'acme/app', env: 'prod', set: { A: '1', B: '2' } });
    const tip = repo.store.tip();
    const same = await setConfig(repo, { project: 'acme/app', env: 'prod', set: { A: '1' } });
    expect(same).toMatchObject({ changed: false, sequence: 1, changes: [] });
    expect(repo.store.tip()).toBe(tip);
    const r = await setConfig(repo, { project: 'acme/app', env: 'prod', set: { C: '3' }, unset: ['A'] });
    expect(r.sequence).toBe(2);
    expect(r.changes).toEqual([{ key: 'A', status: 'removed', from: '1', type: 'text' }, { key: 'C', status: 'added', to: '3', type: 'text' }]);
    expect(readConfig(repo, { project: 'acme/app', env: 'prod' }).config).toEqual({ B: '2', C: '3' });
  });

  it('stores JSON values canonically (sorted keys) and answers them typed', async () => {
    const repo = await repoWithApp();
    await setConfig(repo, { project: 'acme/app', env: 'prod', json: { LIMITS: '{ "rps": 100, "burst": [1, 2], "a": { "z": true, "b": null } }', RETRIES: '3' } });
    const v = readConfig(repo, { project: 'acme/app', env: 'prod' });
    expect(v.config).toEqual({ LIMITS: { a: { b: null, z: true }, burst: [1, 2], rps: 100 }, RETRIES: 3 });
    const h = configHistory(repo, { project: 'acme/app', env: 'prod' });
    expect(h[0]!.changes[0]).toEqual({ key: 'LIMITS', status: 'added', to: '{"a":{"b":null,"z":true},"burst":[1,2],"rps":100}', type: 'json' });
    // The same value written with other white space and key order is no change.
    expect((await setConfig(repo, { project: 'acme/app', env: 'prod', json: { LIMITS: '{"a":{"z":true,"b":null},"rps":100,"burst":[1,2]}' } })).changed).toBe(false);
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prod', json: { X: '{nope' } }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses undeclared environments and channels, a channel without an environment, and secrets in the defaults', async () => {
    const repo = await repoWithApp();
    const tip = repo.store.tip();
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prd', set: { A: '1' } }))).toBe('NOT_FOUND');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prod', channel: 'stabel', set: { A: '1' } }))).toBe('NOT_FOUND');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', channel: 'stable', set: { A: '1' } }))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'Prod', set: { A: '1' } }))).toBe('INVALID_NAME');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'dev/ada', set: { A: '1' } }))).toBe('NOT_FOUND');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', secrets: { A: 'db' } }))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/nope', set: { A: '1' } }))).toBe('NOT_FOUND');
    expect(codeOf(() => readConfig(repo, { project: 'acme/app', env: 'prd' }))).toBe('NOT_FOUND');
    expect(codeOf(() => readConfig(repo, { project: 'acme/app', env: 'prod', channel: 'nope' }))).toBe('NOT_FOUND');
    expect(repo.store.tip()).toBe(tip);
  });

  it('has a layer per personal environment once it is declared', async () => {
    const repo = await repoWithApp();
    const { addEnvironment } = await import('../../src/api/addEnvironment.js');
    await addEnvironment(repo, { name: 'dev/ada' });
    await setConfig(repo, { project: 'acme/app', set: { A: 'default' } });
    await setConfig(repo, { project: 'acme/app', env: 'dev', set: { A: 'dev' } });
    const r = await setConfig(repo, { project: 'acme/app', env: 'dev/ada', channel: 'beta', set: { A: 'ada-beta' } });
    expect(r.path).toBe('projects/acme/app/config/env/dev/ada/channel/beta/00000/0000000001.pb');
    expect(readConfig(repo, { project: 'acme/app', env: 'dev/ada', channel: 'beta' }).config.A).toBe('ada-beta');
    expect(readConfig(repo, { project: 'acme/app', env: 'dev/ada' }).config.A).toBe('default');
    expect(readConfig(repo, { project: 'acme/app', env: 'dev', channel: 'beta' }).config.A).toBe('dev');
  });

  it('refuses hostile keys and values, and layers over the size limit, before anything is written', async () => {
    const repo = await repoWithApp();
    const tip = repo.store.tip();
    for (const key of ['', '1A', 'A B', 'A\u0000', 'A\n', '__proto__', 'a/b', 'x'.repeat(129), 'ÄPFEL', '-A']) {
      expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', set: { [key]: 'v' } })), JSON.stringify(key)).toBe('INVALID_ARGUMENT');
    }
    for (const value of ['a\u001b[31mred', 'a\u0000b', 'bell\u0007', '\ud800']) {
      expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', set: { K: value } })), JSON.stringify(value)).toBe('INVALID_ARGUMENT');
    }
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', set: { BIG: 'x'.repeat(MAX_LAYER_BYTES) } }))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', set: { A: '1' }, unset: ['A'] }))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app' }))).toBe('INVALID_ARGUMENT');
    expect(repo.store.tip()).toBe(tip);
    // Tabs and line breaks are text.
    expect((await setConfig(repo, { project: 'acme/app', set: { K: 'line 1\n\tline 2' } })).changed).toBe(true);
    // A layer just under the limit is fine; one more key over it is refused.
    await setConfig(repo, { project: 'acme/app', env: 'prod', set: { BIG: 'x'.repeat(MAX_LAYER_BYTES - 10) } });
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prod', set: { MORE: 'x'.repeat(20) } }))).toBe('INVALID_ARGUMENT');
  });
});

describe('secret references', () => {
  async function withSecrets(): Promise<MetaRepo> {
    const repo = await repoWithApp();
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'prod-pw'], ['user', 'app']] });
    await setSecret(repo, { secret: 'dev/db', values: [['password', 'dev-pw']] });
    await setConfig(repo, { project: 'acme/app', set: { DB_HOST: 'db.internal' } });
    await setConfig(repo, { project: 'acme/app', env: 'prod', secrets: { DB_PASSWORD: 'db#password', DB: 'db' } });
    await setConfig(repo, { project: 'acme/app', env: 'dev', secrets: { DB_PASSWORD: 'db#password' } });
    return repo;
  }

  it('must name a secret the environment holds, and are shown by name', async () => {
    const repo = await withSecrets();
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prod', secrets: { X: 'nope' } }))).toBe('NOT_FOUND');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prod', secrets: { X: '../db' } }))).toBe('INVALID_NAME');
    expect(await asyncCodeOf(setConfig(repo, { project: 'acme/app', env: 'prod', secrets: { X: 'db#' } }))).toBe('INVALID_ARGUMENT');
    const v = readConfig(repo, { project: 'acme/app', env: 'prod' });
    expect(v.config).toEqual({ DB: 'secret:db', DB_HOST: 'db.internal', DB_PASSWORD: 'secret:db#password' });
    expect(v.secrets).toEqual({ DB: { name: 'db', field: '', resolved: false }, DB_PASSWORD: { name: 'db', field: 'password', resolved: false } });
    expect(JSON.stringify(v)).not.toContain('prod-pw');
  });

  it('are decrypted only with an identity of their environment', async () => {
    const repo = await withSecrets();
    const v = readConfig(repo, { project: 'acme/app', env: 'prod' });
    const r = await resolveConfigSecrets(repo, v, { identities: [prod.identity] });
    expect(r.config).toEqual({ DB: { password: 'prod-pw', user: 'app' }, DB_HOST: 'db.internal', DB_PASSWORD: 'prod-pw' });
    expect(r.secrets.DB_PASSWORD!.resolved).toBe(true);
    // A dev identity cannot resolve a prod secret; it resolves dev's.
    expect(await asyncCodeOf(resolveConfigSecrets(repo, v, { identities: [dev.identity] }))).toBe('NO_IDENTITY');
    const d = await resolveConfigSecrets(repo, readConfig(repo, { project: 'acme/app', env: 'dev' }), { identities: [dev.identity] });
    expect(d.config.DB_PASSWORD).toBe('dev-pw');
    // A field the secret does not have.
    await setConfig(repo, { project: 'acme/app', env: 'prod', secrets: { DB_PASSWORD: 'db#pasword' } });
    expect(await asyncCodeOf(resolveConfigSecrets(repo, readConfig(repo, { project: 'acme/app', env: 'prod' }), { identities: [prod.identity] }))).toBe('NOT_FOUND');
  });
});

describe('history, time travel, events and diff', () => {
  it('answers each version at its commit and at a date, lists who changed what, and emits config.changed', async () => {
    const repo = await repoWithApp();
    const one = await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LEVEL: 'info' } });
    const two = await setConfig(repo, { project: 'acme/app', env: 'prod', set: { LEVEL: 'debug', NEW: 'x' } });
    expect(readConfig(repo, { project: 'acme/app', env: 'prod', at: one.commit }).config).toEqual({ LEVEL: 'info' });
    expect(readConfig(repo, { project: 'acme/app', env: 'prod', at: two.commit }).config).toEqual({ LEVEL: 'debug', NEW: 'x' });
    const h = configHistory(repo, { project: 'acme/app', env: 'prod' });
    expect(h.map((e) => [e.sequence, e.commit, e.actor])).toEqual([[1, one.commit, 'Tess <tess@example.com>'], [2, two.commit, 'Tess <tess@example.com>']]);
    expect(h[1]!.changes).toEqual([{ key: 'LEVEL', status: 'changed', from: 'info', to: 'debug', type: 'text' }, { key: 'NEW', status: 'added', to: 'x', type: 'text' }]);
    // By date: between the two writes (the clock moves one minute per write).
    const between = new Date(Date.parse(h[0]!.time) + 30_000).toISOString();
    expect(readConfig(repo, { project: 'acme/app', env: 'prod', at: between }).config).toEqual({ LEVEL: 'info' });
    expect(readConfig(repo, { project: 'acme/app', env: 'prod', at: two.commit }).commit).toBe(two.commit);

    const evs = listEvents(repo, { types: ['config.*'] });
    expect(evs.map((e) => [e.type, e.project, e.environment, e.channel, e.sequence])).toEqual([['config.changed', 'acme/app', 'prod', undefined, 1], ['config.changed', 'acme/app', 'prod', undefined, 2]]);

    const d = diffConfig(repo, { project: 'acme/app', env: 'prod', from: one.commit, to: two.commit });
    expect(d.changes).toEqual(h[1]!.changes);
    expect(diffConfig(repo, { project: 'acme/app', env: 'prod', from: two.commit, to: two.commit }).changes).toEqual([]);
  });
});

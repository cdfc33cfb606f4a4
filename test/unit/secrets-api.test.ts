/**
 * Secrets in the meta repository through the library API, on an in-memory repository.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addEnvRecipient,
  getSecret,
  initMeta,
  listRecipients,
  listSecrets,
  removeEnvRecipient,
  rotateSecret,
  secretHistory,
  setSecret,
  updateSecretKeys,
} from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { latestSecretVersion, parseSecretRef, secretVersionPath } from '../../src/api/secretsPaths.js';
import { classifyPath } from '../../src/records/layout.js';
import { generateAgeIdentity, readMetadata, unwrapDataKey, type AgeKeyPair } from '../../src/secrets/index.js';
import { memFs } from '../helpers/memRepo.js';
import { expectMetaError } from './secrets/helpers.js';

let dev: AgeKeyPair;
let prod: AgeKeyPair;
let prod2: AgeKeyPair;
beforeAll(async () => {
  [dev, prod, prod2] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
});

async function repoWithKeys(): Promise<MetaRepo> {
  return initMeta({ dir: '/meta', fs: memFs(), actor: 'Tess <tess@example.com>', env: {}, environments: ['dev', 'prod'], ageRecipients: { dev: [dev.recipient], prod: [prod.recipient] } });
}

const text = (repo: MetaRepo, path: string) => Buffer.from(repo.store.snapshot().read(path)!).toString('utf8');

describe('layout and names', () => {
  it('stores versions under envs/<env>/secrets/<name>/<shard>/<version>.sops.<ext>', () => {
    expect(secretVersionPath('prod', 'app/db', 3, 'yaml')).toBe('envs/prod/secrets/app/db/00000/0000000003.sops.yaml');
    expect(secretVersionPath('prod', 'db', 1000, 'dotenv')).toBe('envs/prod/secrets/db/00001/0000001000.sops.env');
    expect(classifyPath('envs/prod/secrets/app/db/00000/0000000003.sops.yaml')).toEqual({ type: 'secret', env: 'prod', name: 'app/db', version: 3 });
  });

  it('rejects bad secret references before anything is written', async () => {
    const repo = await repoWithKeys();
    const tip = repo.store.tip();
    for (const bad of ['prod/../x', 'prod/-x', 'prod/a//b', 'prod/a\u0001', 'prod/2024', 'prod/', 'prod', 'PROD/x', 'prod/a/']) {
      const e = await expectMetaError(setSecret(repo, { secret: bad, values: [['k', 'v']] }), bad === 'prod' || bad === 'prod/' ? 'INVALID_ARGUMENT' : 'INVALID_NAME');
      expect(e.message).not.toContain('"v"');
    }
    expect(() => parseSecretRef('prod/app/db')).not.toThrow();
    expect(repo.store.tip()).toBe(tip);
  });
});

describe('.sops.yaml', () => {
  it('meta init writes one creation rule per environment, which the real sops would pick for secret paths', async () => {
    const repo = await repoWithKeys();
    const cfg = text(repo, '.sops.yaml');
    expect(cfg).toContain('path_regex: ^envs/dev/secrets/.*');
    expect(cfg).toContain(`age: "${prod.recipient}"`);
    expect(listRecipients(repo)).toEqual([
      { env: 'dev', pathRegex: '^envs/dev/secrets/.*', recipients: [dev.recipient] },
      { env: 'prod', pathRegex: '^envs/prod/secrets/.*', recipients: [prod.recipient] },
    ]);
  });

  it('an environment without recipients refuses to write, saying how to add one', async () => {
    const repo = await initMeta({ dir: '/meta', fs: memFs(), actor: 'a', env: {}, environments: ['dev'] });
    const tip = repo.store.tip();
    const e = await expectMetaError(setSecret(repo, { secret: 'dev/db', values: [['password', 'x']] }), 'PRECONDITION_FAILED');
    expect(e.message).toContain('meta keys add-recipient dev');
    expect(repo.store.tip()).toBe(tip);
  });

  it('add-recipient appends a new .sops.yaml version; adding twice writes nothing', async () => {
    const repo = await repoWithKeys();
    const r = await addEnvRecipient(repo, { env: 'prod', recipient: prod2.recipient });
    expect(r).toMatchObject({ changed: true, recipients: [prod.recipient, prod2.recipient] });
    const again = await addEnvRecipient(repo, { env: 'prod', recipient: prod2.recipient });
    expect(again.changed).toBe(false);
    expect(repo.store.tip()).toBe(r.commit);
    expect(repo.store.log().entries().at(-1)!.changed).toEqual(['.sops.yaml']);
    await expectMetaError(addEnvRecipient(repo, { env: 'prod', recipient: 'age1pq1nope' }), 'INVALID_ARGUMENT');
  });
});

describe('set, get, ls', () => {
  it('a new secret needs no identity; the commit names keys, never values', async () => {
    const repo = await repoWithKeys();
    const r = await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2'], ['user', 'app']], identities: [] });
    expect(r).toMatchObject({ env: 'prod', name: 'db', version: 1, previous: undefined, format: 'yaml', keys: ['password', 'user'], recipients: [prod.recipient], changed: true });
    expect(r.path).toBe('envs/prod/secrets/db/00000/0000000001.sops.yaml');
    const entry = repo.store.log().entries().at(-1)!;
    expect(entry.subject).toBe('secret set prod/db (v1, new, keys: password, user)');
    expect(entry.added).toEqual([r.path]);
    const stored = text(repo, r.path);
    expect(stored).not.toContain('hunter2');
    expect(readMetadata(stored, 'yaml').age.map((a) => a.recipient)).toEqual([prod.recipient]);
    const got = await getSecret(repo, { secret: 'prod/db', identities: [prod.identity] });
    expect(got.value).toEqual({ password: 'hunter2', user: 'app' });
    expect(got.plaintext).toBe('password: hunter2\nuser: app\n');
    expect((await getSecret(repo, { secret: 'prod/db', key: 'password', identities: [prod.identity] })).value).toBe('hunter2');
    await expectMetaError(getSecret(repo, { secret: 'prod/db', key: 'nope', identities: [prod.identity] }), 'NOT_FOUND');
  });

  it('set on an existing secret starts from the newest version and needs an identity', async () => {
    const repo = await repoWithKeys();
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'one'], ['user', 'app']] });
    const v1 = repo.store.tip()!;
    await expectMetaError(setSecret(repo, { secret: 'prod/db', values: [['password', 'two']], identities: [] }), 'NO_IDENTITY');
    await expectMetaError(setSecret(repo, { secret: 'prod/db', values: [['password', 'two']], identities: [dev.identity] }), 'NO_IDENTITY');
    expect(repo.store.tip()).toBe(v1);
    const r2 = await setSecret(repo, { secret: 'prod/db', values: [['password', 'two']], document: { data: 'port: 5432\n', format: 'yaml' }, identities: [prod.identity] });
    expect(r2).toMatchObject({ version: 2, previous: 1, keys: ['port', 'password'] });
    expect(repo.store.log().entries().at(-1)!.subject).toBe('secret set prod/db (v2, keys: port, password)');
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod.identity] })).value).toEqual({ password: 'two', user: 'app', port: 5432 });
    // The same values again: nothing written.
    const same = await setSecret(repo, { secret: 'prod/db', values: [['password', 'two']], identities: [prod.identity] });
    expect(same).toMatchObject({ changed: false, version: 2, commit: undefined });
    expect(repo.store.tip()).toBe(r2.commit);
    // --unset and --replace
    const r3 = await setSecret(repo, { secret: 'prod/db', unset: ['port'], identities: [prod.identity] });
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod.identity] })).value).toEqual({ password: 'two', user: 'app' });
    const r4 = await setSecret(repo, { secret: 'prod/db', replace: true, values: [['token', 't']], identities: [] });
    expect(r4.version).toBe(4);
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod.identity] })).value).toEqual({ token: 't' });
    // --at and --version read older versions.
    expect((await getSecret(repo, { secret: 'prod/db', at: r2.commit!, identities: [prod.identity] })).value).toEqual({ password: 'two', user: 'app', port: 5432 });
    expect((await getSecret(repo, { secret: 'prod/db', version: 1, identities: [prod.identity] })).value).toEqual({ password: 'one', user: 'app' });
    await expectMetaError(getSecret(repo, { secret: 'prod/db', at: v1 + '', version: 3, identities: [prod.identity] }), 'NOT_FOUND');
    expect(r3.version).toBe(3);
  });

  it('ls lists names, versions and who/when, never values; history lists every version', async () => {
    const repo = await repoWithKeys();
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2']] });
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter3']], identities: [prod.identity] });
    await setSecret(repo, { secret: 'prod/app/smtp', values: [['pass', 'p']] });
    await setSecret(repo, { secret: 'dev/db', values: [['password', 'devpw']] });
    const all = listSecrets(repo);
    expect(all.map((s) => [`${s.env}/${s.name}`, s.versions, s.latest.version])).toEqual([['dev/db', 1, 1], ['prod/app/smtp', 1, 1], ['prod/db', 2, 2]]);
    expect(all[2]!.latest).toMatchObject({ author: 'Tess <tess@example.com>', recipients: [prod.recipient] });
    expect(all[2]!.latest.time).toMatch(/^\d{4}-/);
    expect(JSON.stringify(all)).not.toMatch(/hunter|devpw/);
    expect(listSecrets(repo, { env: 'dev' }).map((s) => s.name)).toEqual(['db']);
    expect(listSecrets(repo, { env: 'staging' })).toEqual([]);
    const h = secretHistory(repo, { secret: 'prod/db' });
    expect(h.map((v) => v.version)).toEqual([1, 2]);
    expect(h[0]!.commit).not.toBe(h[1]!.commit);
    await expectMetaError(Promise.resolve().then(() => secretHistory(repo, { secret: 'prod/nope' })), 'NOT_FOUND');
  });

  it('concurrent writers of one secret renumber instead of colliding', async () => {
    const repo = await repoWithKeys();
    const results = await Promise.all(['a', 'b', 'c'].map((k) => setSecret(repo, { secret: 'prod/db', values: [[k, k]], identities: [prod.identity] })));
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3]);
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod.identity] })).value).toEqual({ a: 'a', b: 'b', c: 'c' });
  });

  it('the newest version is found across version shards', async () => {
    const repo = await repoWithKeys();
    const r = await setSecret(repo, { secret: 'prod/db', values: [['password', 'p999']] });
    const v1 = repo.store.snapshot().read(r.path)!;
    // Copies of one valid file at versions 999 and 1001 (shards 00000 and 00001).
    await repo.store.append(() => ({ files: [999, 1001].map((v) => ({ path: secretVersionPath('prod', 'db', v, 'yaml'), data: v1 })), message: 'test: far versions' }), { actor: 't' });
    expect(latestSecretVersion(repo.store.snapshot(), 'prod', 'db')!.version).toBe(1001);
    const next = await setSecret(repo, { secret: 'prod/db', values: [['password', 'p1002']], identities: [prod.identity] });
    expect(next.path).toBe('envs/prod/secrets/db/00001/0000001002.sops.yaml');
    expect(listSecrets(repo, { env: 'prod' })[0]).toMatchObject({ versions: 4, latest: { version: 1002 } });
  });
});

describe('environments are separate', () => {
  it('a dev identity cannot decrypt a prod secret; the error names the recipients', async () => {
    const repo = await repoWithKeys();
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2']] });
    const e = await expectMetaError(getSecret(repo, { secret: 'prod/db', identities: [dev.identity] }), 'NO_IDENTITY');
    expect(e.message).toContain('no identity matches');
    expect(e.message).toContain(prod.recipient);
    expect(e.data['recipients']).toEqual([prod.recipient]);
  });
});

describe('recipients, updatekeys and rotate', () => {
  it('add-recipient + updatekeys re-wraps the same data key; remove-recipient + updatekeys rotates it', async () => {
    const repo = await repoWithKeys();
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2']] });
    await setSecret(repo, { secret: 'dev/db', values: [['password', 'devpw']] });
    expect((await updateSecretKeys(repo, { identities: [] })).commit).toBeUndefined();

    await addEnvRecipient(repo, { env: 'prod', recipient: prod2.recipient });
    const up = await updateSecretKeys(repo, { env: 'prod', identities: [prod.identity] });
    expect(up.items).toEqual([{ env: 'prod', name: 'db', action: 'rewrapped', from: 1, to: 2, added: [prod2.recipient], removed: [] }]);
    expect(repo.store.log().entries().at(-1)!.subject).toBe('secret updatekeys prod (prod/db v2 rewrapped)');
    const v1 = text(repo, secretVersionPath('prod', 'db', 1, 'yaml'));
    const v2 = text(repo, secretVersionPath('prod', 'db', 2, 'yaml'));
    expect(v2.split('sops:')[0]).toBe(v1.split('sops:')[0]);
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod2.identity] })).value).toEqual({ password: 'hunter2' });

    await removeEnvRecipient(repo, { env: 'prod', recipient: prod.recipient });
    const tip = repo.store.tip();
    await expectMetaError(updateSecretKeys(repo, { env: 'prod', identities: [dev.identity] }), 'NO_IDENTITY');
    expect(repo.store.tip()).toBe(tip);
    const down = await updateSecretKeys(repo, { env: 'prod', identities: [prod2.identity] });
    expect(down.items[0]).toMatchObject({ action: 'rotated', from: 2, to: 3, removed: [prod.recipient] });
    const v3 = text(repo, secretVersionPath('prod', 'db', 3, 'yaml'));
    expect(readMetadata(v3, 'yaml').age.map((a) => a.recipient)).toEqual([prod2.recipient]);
    // The removed key opens neither the new version nor, with the data key it may have kept, its values.
    const e = await expectMetaError(getSecret(repo, { secret: 'prod/db', identities: [prod.identity] }), 'NO_IDENTITY');
    expect(e.message).toContain(prod2.recipient);
    const oldKey = await unwrapDataKey(readMetadata(v2, 'yaml').age[0]!.enc, [prod.identity]);
    const newKey = await unwrapDataKey(readMetadata(v3, 'yaml').age[0]!.enc, [prod2.identity]);
    expect(oldKey).toBeDefined();
    expect(Buffer.from(newKey!).equals(Buffer.from(oldKey!))).toBe(false);
    expect(v3.split('sops:')[0]).not.toBe(v2.split('sops:')[0]);
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod2.identity] })).value).toEqual({ password: 'hunter2' });
    // dev was not touched.
    expect(listSecrets(repo, { env: 'dev' })[0]!.versions).toBe(1);
    await expectMetaError(removeEnvRecipient(repo, { env: 'prod', recipient: prod2.recipient }), 'INVALID_ARGUMENT');
  });

  it('rotate writes a new version with a new data key and the same values', async () => {
    const repo = await repoWithKeys();
    await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2']] });
    const r = await rotateSecret(repo, { secret: 'prod/db', identities: [prod.identity] });
    expect(r).toMatchObject({ version: 2, previous: 1, recipients: [prod.recipient] });
    expect(repo.store.log().entries().at(-1)!.subject).toBe('secret rotate prod/db (v2, new data key)');
    const [a, b] = [1, 2].map((v) => readMetadata(text(repo, secretVersionPath('prod', 'db', v, 'yaml')), 'yaml').age[0]!.enc);
    const [ka, kb] = await Promise.all([unwrapDataKey(a!, [prod.identity]), unwrapDataKey(b!, [prod.identity])]);
    expect(Buffer.from(ka!).equals(Buffer.from(kb!))).toBe(false);
    expect((await getSecret(repo, { secret: 'prod/db', identities: [prod.identity] })).value).toEqual({ password: 'hunter2' });
    await expectMetaError(rotateSecret(repo, { secret: 'prod/nope', identities: [prod.identity] }), 'NOT_FOUND');
  });
});

describe('tampering with a stored secret', () => {
  const lineOf = (t: string, prefix: string) => t.split('\n').findIndex((l) => l.startsWith(prefix));
  const value = (line: string) => line.slice(line.indexOf('ENC['));
  const tamperings: Record<string, (t: string) => string> = {
    'a changed value': (t) => t.replace(/^(password: ENC\[AES256_GCM,data:)(.)/m, (_m, p: string, c: string) => `${p}${c === 'A' ? 'B' : 'A'}`),
    'two values swapped': (t) => {
      const lines = t.split('\n');
      const [a, b] = [lineOf(t, 'password:'), lineOf(t, 'user:')];
      const [va, vb] = [value(lines[a]!), value(lines[b]!)];
      lines[a] = `password: ${vb}`;
      lines[b] = `user: ${va}`;
      return lines.join('\n');
    },
    'a deleted key': (t) => t.split('\n').filter((l) => !l.startsWith('user:')).join('\n'),
    'a changed lastmodified': (t) => t.replace(/lastmodified: "(\d{4})/, (_m, y: string) => `lastmodified: "${Number(y) - 1}`),
  };
  for (const [what, tamper] of Object.entries(tamperings)) {
    it(`${what}: get, set, rotate and updatekeys fail with MAC_MISMATCH and write nothing`, async () => {
      const repo = await repoWithKeys();
      const r = await setSecret(repo, { secret: 'prod/db', values: [['password', 'hunter2'], ['user', 'app']] });
      const bad = tamper(text(repo, r.path));
      expect(bad).not.toBe(text(repo, r.path));
      // As if someone pushed a forged version.
      await repo.store.append(() => ({ files: [{ path: secretVersionPath('prod', 'db', 2, 'yaml'), data: Buffer.from(bad) }], message: 'forged' }), { actor: 'mallory' });
      const tip = repo.store.tip();
      await expectMetaError(getSecret(repo, { secret: 'prod/db', identities: [prod.identity] }), 'MAC_MISMATCH');
      await expectMetaError(setSecret(repo, { secret: 'prod/db', values: [['x', 'y']], identities: [prod.identity] }), 'MAC_MISMATCH');
      await expectMetaError(rotateSecret(repo, { secret: 'prod/db', identities: [prod.identity] }), 'MAC_MISMATCH');
      await addEnvRecipient(repo, { env: 'prod', recipient: prod2.recipient });
      const afterAdd = repo.store.tip();
      await expectMetaError(updateSecretKeys(repo, { env: 'prod', identities: [prod.identity] }), 'MAC_MISMATCH');
      expect(repo.store.tip()).toBe(afterAdd);
      expect(afterAdd).not.toBe(tip);
      // The untouched version still reads.
      expect((await getSecret(repo, { secret: 'prod/db', version: 1, identities: [prod.identity] })).value).toEqual({ password: 'hunter2', user: 'app' });
    });
  }
});

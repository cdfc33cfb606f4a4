import { describe, expect, it } from 'vitest';
import { addChannel, addEnvironment, addProject, addServeToken, getSetting, hashToken, promote, recordRelease, removeServeToken, replaceSettings, reportInstance, setSetting, unsetSetting, validateSettings, validateSettingsText } from '../../src/index.js';
import { parseSettingsKey } from '../../src/api/parseSettingsKey.js';
import { withDeclared } from '../../src/api/withDeclared.js';
import { settingsText } from '../../src/api/writeSettings.js';
import { readServeTokens } from '../../src/api/settingsTokens.js';
import { readWebhooks } from '../../src/api/readWebhooks.js';
import { memRepo, sha } from '../helpers/memRepo.js';
import { asyncCodeOf as acode } from '../helpers/errorCode.js';

const errors = (settings: Record<string, unknown>) => validateSettings({ format: 1, ...settings }).filter((p) => !p.warning).map((p) => `${p.key}: ${p.message}`);

describe('the meta.yaml validator', () => {
  it('accepts what meta init writes', async () => {
    const { repo } = await memRepo();
    expect(validateSettingsText(settingsText(repo.store.snapshot())).problems).toEqual([]);
  });

  it('names every problem by its dotted key', () => {
    expect(errors({ channels: ['stable', 'Stable'] })).toEqual([expect.stringMatching(/^channels\.1: channel 'Stable' differs only in case from 'stable'/)]);
    expect(errors({ channels: 'stable' })).toEqual([expect.stringMatching(/^channels: must be a list/)]);
    expect(errors({ environments: ['dev', 'dev'] })).toEqual([expect.stringMatching(/^environments\.1: environment dev is listed twice/)]);
    expect(errors({ environments: ['dev/alice'] })).toEqual([expect.stringMatching(/^environments\.0: personal environment dev\/alice needs its environment dev declared first/)]);
    expect(errors({ environments: ['dev', 'dev/alice', 'dev/secrets'] })).toEqual([expect.stringMatching(/^environments\.2: invalid environment/)]);
    expect(errors({ push: 'yes' })).toEqual([expect.stringMatching(/^push: must be true, false or a mapping/)]);
    expect(errors({ push: { remote: '../x', attempts: 0 } })).toEqual([expect.stringMatching(/^push\.remote/), expect.stringMatching(/^push\.attempts/)]);
    expect(errors({ layout: { sequence_shard_size: 10 } })).toEqual([expect.stringMatching(/^layout\.sequence_shard_size: is 1000 in format 1/)]);
    expect(errors({ format: 7 })).toEqual([expect.stringMatching(/^format: must be 1/)]);
    expect(validateSettings({ format: 1, webhoks: [] })).toEqual([{ key: 'webhoks', message: expect.stringMatching(/did you mean webhooks\?/), warning: true }]);
  });

  it('checks the text too: one top-level format line, YAML that parses into a mapping', () => {
    expect(validateSettingsText('format: 1\n').problems).toEqual([]);
    expect(validateSettingsText("format: '1'\n").problems).toEqual([]);
    expect(validateSettingsText('{format: 1}\n').problems[0]!.key).toBe('format');
    expect(validateSettingsText('format: 1\nformat: 1\n').problems[0]!.key).toBe('(file)');
    expect(validateSettingsText('- 1\n').problems[0]!.message).toMatch(/mapping/);
    expect(validateSettingsText('format: [1\n').problems[0]!.message).toMatch(/not valid YAML/);
  });

  it('reads webhooks and tokens leniently: every valid entry, and a problem per invalid one', () => {
    const hooks = readWebhooks({ webhooks: [{ name: 'a', url: 'ftp://x' }, { name: 'b', url: 'https://h.example/' }, 'junk', { name: 'b', url: 'https://h.example/2' }, { name: 'c', url: 'https://h.example/', projects: ['app'] }] });
    expect(hooks.hooks.map((h) => h.name)).toEqual(['b']);
    expect(hooks.problems.map((p) => `${p.key} ${p.name ?? '-'}`)).toEqual(['webhooks.0 a', 'webhooks.2 -', 'webhooks.3 b', 'webhooks.4 c']);
    const tokens = readServeTokens({ serve: { tokens: [{ name: 'ci', sha256: hashToken('x') }, { name: 'bad', sha256: 'x' }, { name: 'ci2', sha256: hashToken('x') }, { name: 'ok', sha256: hashToken('y'), scopes: ['reports'], note: 'kept' }] } });
    expect(tokens.tokens.map((t) => `${t.name}:${t.scopes.join('+')}`)).toEqual(['ci:records+reports', 'ok:reports']);
    expect(tokens.problems.map((p) => [p.key, !!p.warning])).toEqual([['serve.tokens.1', false], ['serve.tokens.2', false], ['serve.tokens.3.note', true]]);
  });
});

describe('settings keys and declared lists', () => {
  it('parses dotted keys with list positions', () => {
    expect(parseSettingsKey('webhooks.0.url')).toEqual(['webhooks', 0, 'url']);
    expect(parseSettingsKey('push')).toEqual(['push']);
    for (const bad of ['', 'a..b', '.a', '0.a', 'a b', 'a.\u0000']) expect(() => parseSettingsKey(bad)).toThrow(/setting key/);
  });

  it('appends to a list in its own style, creating it when missing', () => {
    expect(withDeclared('format: 1\nchannels: [stable] # ours\n', 'channels', 'canary')).toBe('format: 1\nchannels: [stable, canary] # ours\n');
    expect(withDeclared('format: 1\nchannels:\n  - stable\n', 'channels', 'canary')).toBe('format: 1\nchannels:\n  - stable\n  - canary\n');
    expect(withDeclared('format: 1\n', 'environments', 'qa')).toBe('format: 1\nenvironments: [qa]\n');
    expect(withDeclared('format: 1\nchannels:\n', 'channels', 'qa')).toBe('format: 1\nchannels: [qa]\n');
    const same = 'format: 1\nchannels: [stable]\n';
    expect(withDeclared(same, 'channels', 'stable')).toBe(same);
  });
});

describe('settings through the library (memfs)', () => {
  it('set, get, unset and replace, refusing invalid results without writing', async () => {
    const { repo } = await memRepo();
    const tip = () => repo.store.tip();
    const before = tip();
    expect(await acode(setSetting(repo, { key: 'push', value: 'maybe' }))).toBe('INVALID_ARGUMENT');
    expect(await acode(setSetting(repo, { key: 'channels.4', value: 'x' }))).toBe('INVALID_ARGUMENT');
    expect(await acode(unsetSetting(repo, { key: 'nothing' }))).toBe('NOT_FOUND');
    expect(tip()).toBe(before);
    const r = await setSetting(repo, { key: 'push', value: '{remote: origin, attempts: 5}' });
    expect(r).toMatchObject({ changed: true, key: 'push' });
    expect(getSetting(repo, { key: 'push.attempts' }).value).toBe(5);
    expect((await setSetting(repo, { key: 'push.attempts', value: '5' })).changed).toBe(false);
    await unsetSetting(repo, { key: 'push' });
    expect(await acode(Promise.resolve().then(() => getSetting(repo, { key: 'push' })))).toBe('NOT_FOUND');
    expect(getSetting(repo, { key: 'push', at: r.commit }).value).toEqual({ remote: 'origin', attempts: 5 });
    const text = `${settingsText(repo.store.snapshot())}# a comment of our own\n`;
    await replaceSettings(repo, { text });
    expect(settingsText(repo.store.snapshot())).toBe(text);
  });

  it('tokens: a random token shown once, its sha256 stored; names unique', async () => {
    const { repo } = await memRepo();
    const t = await addServeToken(repo, { name: 'ci', scopes: ['records'] });
    expect(t.sha256).toBe(hashToken(t.token));
    expect(settingsText(repo.store.snapshot())).not.toContain(t.token);
    expect(getSetting(repo, { key: 'serve.tokens' }).value).toEqual([{ name: 'ci', sha256: t.sha256, scopes: ['records'] }]);
    expect(await acode(addServeToken(repo, { name: 'ci' }))).toBe('ALREADY_EXISTS');
    expect(await acode(addServeToken(repo, { name: 'x', scopes: ['admin'] }))).toBe('INVALID_ARGUMENT');
    expect(await acode(addServeToken(repo, { name: '../x' }))).toBe('INVALID_NAME');
    const other = await addServeToken(repo, { name: 'fleet' });
    expect(other.scopes).toEqual(['records', 'reports']);
    expect(other.token).not.toBe(t.token);
    await removeServeToken(repo, { name: 'ci' });
    expect((getSetting(repo, { key: 'serve.tokens' }).value as { name: string }[]).map((x) => x.name)).toEqual(['fleet']);
  });

  it('declares channels and environments; writes name only declared ones', async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await recordRelease(repo, { project: 'app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    expect(await acode(promote(repo, { project: 'app', channel: 'canary', version: '1.0.0' }))).toBe('NOT_FOUND');
    expect((await addChannel(repo, { name: 'canary' })).changed).toBe(true);
    expect((await addChannel(repo, { name: 'canary' })).changed).toBe(false);
    expect(await acode(addChannel(repo, { name: 'CANARY' }))).toBe('INVALID_ARGUMENT');
    expect((await promote(repo, { project: 'app', channel: 'canary', version: '1.0.0' })).sequence).toBe(1);
    expect(await acode(reportInstance(repo, { project: 'app', host: 'h', env: 'dev/alice', status: 'running' }))).toBe('NOT_FOUND');
    expect(await acode(addEnvironment(repo, { name: 'qa/alice' }))).toBe('NOT_FOUND');
    await addEnvironment(repo, { name: 'dev/alice' });
    expect((await reportInstance(repo, { project: 'app', host: 'h', env: 'dev/alice', status: 'running' })).path).toMatch(/^projects\/acme\/app\/instances\/dev\/alice\/[0-9a-f]{2}\/h\/\d{6}\//);
    expect(getSetting(repo, { key: 'environments' }).value).toEqual(['dev', 'staging', 'prod', 'dev/alice']);
  });
});

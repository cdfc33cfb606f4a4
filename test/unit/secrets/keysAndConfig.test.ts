import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addRecipient,
  defaultKeyFile,
  defaultSopsConfig,
  detectFormat,
  envPathRegex,
  findCreationRule,
  findIdentities,
  formatGoFloat,
  formatKeyFile,
  generateAgeIdentity,
  parseKeyFile,
  parseSopsConfig,
  recipientOf,
  removeRecipient,
  type AgeKeyPair,
} from '../../../src/secrets/index.js';
import { expectMetaError } from './helpers.js';

let a: AgeKeyPair;
let b: AgeKeyPair;
let c: AgeKeyPair;
let d: AgeKeyPair;
beforeAll(async () => {
  [a, b, c, d] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
});

describe('age identities', () => {
  it('generates X25519 pairs whose recipient derives from the identity', async () => {
    expect(a.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(a.recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(await recipientOf(a.identity)).toBe(a.recipient);
    expect(a.recipient).not.toBe(b.recipient);
  });

  it('parses key files with comments and several keys, and round-trips age-keygen format', () => {
    const text = `${formatKeyFile(a)}\n# second key\n${formatKeyFile(b)}`;
    expect(text).toContain(`# public key: ${a.recipient}`);
    expect(parseKeyFile(text, 'keys.txt')).toEqual([a.identity, b.identity]);
  });

  it('rejects a malformed key line without echoing it', () => {
    let err: unknown;
    try {
      parseKeyFile(`# ok\nAGE-SECRET-KEY-1NOTAKEY\n`, 'k.txt');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toContain('k.txt line 2');
    expect((err as Error).message).not.toContain('NOTAKEY');
  });
});

describe('identity lookup (sops conventions)', () => {
  const files = (map: Record<string, string>) => (p: string): string => {
    if (p in map) return map[p]!;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  };

  it('collects --identity files, $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, then $XDG_CONFIG_HOME/sops/age/keys.txt, in that order', () => {
    const found = findIdentities({
      identityFiles: ['/explicit.txt'],
      env: { SOPS_AGE_KEY: `${b.identity}\n`, SOPS_AGE_KEY_FILE: '/env-file.txt', XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' },
      readFile: files({ '/explicit.txt': formatKeyFile(a), '/env-file.txt': formatKeyFile(c), '/xdg/sops/age/keys.txt': formatKeyFile(d) }),
    });
    expect(found.map((f) => f.identity)).toEqual([a.identity, b.identity, c.identity, d.identity]);
    expect(found.map((f) => f.source)).toEqual(['/explicit.txt', '$SOPS_AGE_KEY', '/env-file.txt', '/xdg/sops/age/keys.txt']);
  });

  it('$SOPS_AGE_KEY may hold several keys; the default file falls back to ~/.config', () => {
    const found = findIdentities({
      env: { SOPS_AGE_KEY: `# two keys\n${a.identity}\n${b.identity}`, HOME: '/home/u' },
      readFile: files({ '/home/u/.config/sops/age/keys.txt': formatKeyFile(c) }),
    });
    expect(found.map((f) => f.identity)).toEqual([a.identity, b.identity, c.identity]);
    expect(defaultKeyFile({ HOME: '/home/u' })).toBe(path.join('/home/u', '.config', 'sops', 'age', 'keys.txt'));
  });

  it('a missing default file is fine, a missing explicit or $SOPS_AGE_KEY_FILE is NOT_FOUND', async () => {
    expect(findIdentities({ env: { HOME: '/nowhere' }, readFile: files({}) })).toEqual([]);
    await expectMetaError(Promise.resolve().then(() => findIdentities({ identityFiles: ['/missing'], env: {}, homeDir: '/h', readFile: files({}) })), 'NOT_FOUND');
    await expectMetaError(Promise.resolve().then(() => findIdentities({ env: { SOPS_AGE_KEY_FILE: '/missing' }, homeDir: '/h', readFile: files({}) })), 'NOT_FOUND');
  });

  it('lists a key found twice once', () => {
    const found = findIdentities({ env: { SOPS_AGE_KEY: a.identity, HOME: '/h' }, readFile: files({ '/h/.config/sops/age/keys.txt': formatKeyFile(a) }) });
    expect(found).toHaveLength(1);
  });
});

describe('.sops.yaml creation rules', () => {
  it('builds one rule per environment and finds the rule for a path (first match wins)', () => {
    const text = defaultSopsConfig(['dev', 'prod'], { dev: [a.recipient, b.recipient], prod: [c.recipient] });
    const config = parseSopsConfig(text);
    expect(config.creationRules.map((r) => r.pathRegex)).toEqual(['^envs/dev/secrets/.*', '^envs/prod/secrets/.*']);
    expect(findCreationRule(config, 'envs/dev/secrets/db.sops.yaml')?.age).toEqual([a.recipient, b.recipient]);
    expect(findCreationRule(config, 'envs/prod/secrets/db.sops.yaml')?.age).toEqual([c.recipient]);
    expect(findCreationRule(config, 'envs/staging/secrets/x.yaml')).toBeUndefined();
    const overlapping = parseSopsConfig(`creation_rules:\n  - path_regex: ^envs/prod/secrets/special.*\n    age: ${d.recipient}\n    encrypted_regex: ^data$\n  - path_regex: ^envs/prod/\n    age: ${c.recipient}\n`);
    const rule = findCreationRule(overlapping, 'envs/prod/secrets/special.yaml');
    expect(rule?.age).toEqual([d.recipient]);
    expect(rule?.rules).toEqual({ encryptedRegex: '^data$' });
  });

  it('adds and removes recipients, keeping comments and other rules', () => {
    const start = `# team keys\n${defaultSopsConfig(['dev', 'prod'], { dev: [a.recipient], prod: [c.recipient] })}`;
    const added = addRecipient(start, 'prod', d.recipient);
    expect(added).toContain('# team keys');
    expect(findCreationRule(parseSopsConfig(added), 'envs/prod/secrets/x')?.age).toEqual([c.recipient, d.recipient]);
    expect(findCreationRule(parseSopsConfig(added), 'envs/dev/secrets/x')?.age).toEqual([a.recipient]);
    expect(addRecipient(added, 'prod', d.recipient)).toBe(added);
    const removed = removeRecipient(added, 'prod', c.recipient);
    expect(findCreationRule(parseSopsConfig(removed), 'envs/prod/secrets/x')?.age).toEqual([d.recipient]);
    const newEnv = addRecipient(removed, 'staging', b.recipient);
    expect(findCreationRule(parseSopsConfig(newEnv), 'envs/staging/secrets/x')?.age).toEqual([b.recipient]);
  });

  it('refuses removing the last or an unknown recipient, and bad recipients', async () => {
    const text = defaultSopsConfig(['prod'], { prod: [c.recipient] });
    await expectMetaError(Promise.resolve().then(() => removeRecipient(text, 'prod', c.recipient)), 'INVALID_ARGUMENT');
    await expectMetaError(Promise.resolve().then(() => removeRecipient(text, 'prod', d.recipient)), 'NOT_FOUND');
    await expectMetaError(Promise.resolve().then(() => addRecipient(text, 'prod', 'age1tooshort')), 'INVALID_ARGUMENT');
    await expectMetaError(Promise.resolve().then(() => envPathRegex('../etc')), 'INVALID_ARGUMENT');
  });
});

describe('small helpers', () => {
  it('detects formats by extension, with an override', () => {
    expect(detectFormat('envs/prod/secrets/db.sops.yaml')).toBe('yaml');
    expect(detectFormat('a.YML')).toBe('yaml');
    expect(detectFormat('a.json')).toBe('json');
    expect(detectFormat('secret.enc.env')).toBe('dotenv');
    expect(detectFormat('cert.pem')).toBe('binary');
    expect(detectFormat('cert.pem', 'yaml')).toBe('yaml');
  });

  it('formats floats as Go strconv.FormatFloat(f, "f", -1, 64)', () => {
    expect(formatGoFloat(3.14)).toBe('3.14');
    expect(formatGoFloat(2)).toBe('2');
    expect(formatGoFloat(1e21)).toBe('1000000000000000000000');
    expect(formatGoFloat(1.5e-7)).toBe('0.00000015');
    expect(formatGoFloat(-2.5e22)).toBe('-25000000000000000000000');
    expect(formatGoFloat(Infinity)).toBe('+Inf');
  });
});

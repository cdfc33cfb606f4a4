import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decryptDocument,
  decryptDocumentBytes,
  decryptTree,
  encryptDocument,
  encryptTree,
  fromPlain,
  generateAgeIdentity,
  parseKeyFile,
  readMetadata,
  rotateDataKey,
  setPairs,
  toPlain,
  updateKeys,
  type AgeKeyPair,
  type SopsMap,
} from '../../../src/secrets/index.js';
import { expectMetaError, vectorsDir } from './helpers.js';

let dev: AgeKeyPair;
let prod: AgeKeyPair;
let ops: AgeKeyPair;
beforeAll(async () => {
  [dev, prod, ops] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
});

const YAML_PLAIN = [
  'zeta: last-key-first',
  'count: 42',
  'big: 9007199254740993',
  'ratio: 0.25',
  'whole: 2.0',
  'enabled: false',
  'date_like: "2024-01-01"',
  'empty: ""',
  'nothing: null',
  'nested:',
  '    password: hunter2',
  '    host_unencrypted: db.internal',
  'list:',
  '    - one',
  '    - 2',
  '    - three',
  '',
].join('\n');

describe('round trips', () => {
  it('YAML keeps key order, types and text', async () => {
    const enc = await encryptDocument(YAML_PLAIN, 'yaml', { recipients: [dev.recipient] });
    expect(enc).not.toContain('hunter2');
    expect(enc).toContain('type:int]');
    expect(enc).toContain('type:float]');
    expect(enc).toContain('type:bool]');
    expect(enc).toContain('host_unencrypted: db.internal');
    expect(enc).toMatch(/^ {4}version: 3\.9\.2$/m);
    expect(enc).toMatch(/^ {4}lastmodified: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/m);
    expect(await decryptDocument(enc, 'yaml', [dev.identity])).toBe(YAML_PLAIN);
    const tree = await decryptTree(enc, 'yaml', [dev.identity]);
    const root = tree.branches[0]!;
    expect(root.items.map((i) => i.key)).toEqual(['zeta', 'count', 'big', 'ratio', 'whole', 'enabled', 'date_like', 'empty', 'nothing', 'nested', 'list']);
    expect(root.items[2]!.value).toEqual({ type: 'int', value: 9007199254740993n });
    expect(root.items[4]!.value).toEqual({ type: 'float', value: 2 });
  });

  it('JSON keeps integer-like keys in place and escapes like Go', async () => {
    const plain = '{\n    "b": 1,\n    "10": "ten",\n    "2": 2.5,\n    "html": "<a&b>",\n    "arr": [\n        true,\n        null\n    ]\n}\n';
    const enc = await encryptDocument(plain, 'json', { recipients: [dev.recipient] });
    expect(JSON.parse(enc).sops.age[0].recipient).toBe(dev.recipient);
    expect(JSON.parse(enc).sops.kms).toBeNull();
    const out = await decryptDocument(enc, 'json', [dev.identity]);
    expect(out).toBe(plain.replace('<a&b>', '\\u003ca\\u0026b\\u003e'));
    const tree = await decryptTree(enc, 'json', [dev.identity]);
    expect(tree.branches[0]!.items.map((i) => i.key)).toEqual(['b', '10', '2', 'html', 'arr']);
  });

  it('dotenv keeps order and multi-line values; metadata is flattened and sorted', async () => {
    const plain = 'Z_FIRST=1\nMULTI=line1\\nline2\nA_LAST=x=y\n';
    const enc = await encryptDocument(plain, 'dotenv', { recipients: [dev.recipient, prod.recipient] });
    const sopsLines = enc.split('\n').filter((l) => l.startsWith('sops_')).map((l) => l.split('=')[0]);
    expect(sopsLines).toEqual([...sopsLines].sort());
    expect(sopsLines).toContain('sops_age__list_1__map_recipient');
    expect(sopsLines).not.toContain('sops_kms');
    expect(await decryptDocument(enc, 'dotenv', [prod.identity])).toBe(plain);
  });

  it('binary keeps arbitrary bytes, as sops does, in a type:str value', async () => {
    const bytes = Uint8Array.from([0, 255, 10, 13, 0xc3, 0x28, 7]);
    const enc = await encryptDocument(bytes, 'binary', { recipients: [dev.recipient] });
    expect(enc).toContain('type:str]');
    expect(enc).not.toContain('type:bytes');
    expect(Object.keys(JSON.parse(enc))).toEqual(['data', 'sops']);
    expect(Buffer.from(await decryptDocumentBytes(enc, 'binary', [dev.identity]))).toEqual(Buffer.from(bytes));
  });

  it('multi-document YAML shares one data key and one MAC', async () => {
    const plain = 'a: 1\n---\nb: two\n';
    const enc = await encryptDocument(plain, 'yaml', { recipients: [dev.recipient] });
    expect(enc.match(/^sops:$/gm)?.length).toBe(2);
    expect(await decryptDocument(enc, 'yaml', [dev.identity])).toBe(plain);
  });

  it('refuses to encrypt an already encrypted document', async () => {
    const enc = await encryptDocument('a: 1\n', 'yaml', { recipients: [dev.recipient] });
    await expectMetaError(encryptDocument(enc, 'yaml', { recipients: [dev.recipient] }), 'INVALID_ARGUMENT');
  });

  it('refuses post-quantum or malformed recipients', async () => {
    await expectMetaError(encryptDocument('a: 1\n', 'yaml', { recipients: ['age1pq1' + 'q'.repeat(1900)] }), 'INVALID_ARGUMENT');
    await expectMetaError(encryptDocument('a: 1\n', 'yaml', { recipients: [] }), 'INVALID_ARGUMENT');
  });
});

describe('encryption rules', () => {
  const tree = (): SopsMap[] => [fromPlain({ user: 'app', pass_enc: 'p1', data: { token: 't', note: 'memo' }, meta_unencrypted: { x: 'why' } }) as SopsMap];
  const valueLine = (enc: string, key: string): string => enc.split('\n').find((l) => l.trimStart().startsWith(`${key}:`))!;

  it('default unencrypted_suffix applies to a parent key and everything below it', async () => {
    const enc = await encryptTree(tree(), 'yaml', { recipients: [dev.recipient] });
    expect(valueLine(enc, 'x')).toMatch(/x: why$/);
    expect(valueLine(enc, 'user')).toContain('ENC[');
  });

  it('encrypted_suffix encrypts only matching keys', async () => {
    const enc = await encryptTree(tree(), 'yaml', { recipients: [dev.recipient], encryptedSuffix: '_enc' });
    expect(valueLine(enc, 'pass_enc')).toContain('ENC[');
    expect(valueLine(enc, 'user')).toMatch(/user: app$/);
    expect(enc).toMatch(/^ {4}encrypted_suffix: _enc$/m);
    expect(toPlain((await decryptTree(enc, 'yaml', [dev.identity])).branches[0]!)).toEqual(toPlain(tree()[0]!));
  });

  it('encrypted_regex and unencrypted_regex match any path component', async () => {
    const a = await encryptTree(tree(), 'yaml', { recipients: [dev.recipient], encryptedRegex: '^data$' });
    expect(valueLine(a, 'token')).toContain('ENC[');
    expect(valueLine(a, 'user')).toMatch(/user: app$/);
    const b = await encryptTree(tree(), 'yaml', { recipients: [dev.recipient], unencryptedRegex: '^(user|data)$' });
    expect(valueLine(b, 'note')).toMatch(/note: memo$/);
    expect(valueLine(b, 'pass_enc')).toContain('ENC[');
    for (const enc of [a, b]) expect(toPlain((await decryptTree(enc, 'yaml', [dev.identity])).branches[0]!)).toEqual(toPlain(tree()[0]!));
  });

  it('rejects two key rules at once', async () => {
    await expectMetaError(encryptTree(tree(), 'yaml', { recipients: [dev.recipient], encryptedRegex: 'a', encryptedSuffix: '_enc' }), 'INVALID_ARGUMENT');
  });

  it('mac_only_encrypted lets plaintext values change but still protects encrypted ones', async () => {
    const enc = await encryptTree(tree(), 'yaml', { recipients: [dev.recipient], encryptedRegex: '^pass', macOnlyEncrypted: true });
    expect(enc).toMatch(/mac_only_encrypted: true/);
    const edited = enc.replace(/^user: app$/m, 'user: other');
    expect(edited).not.toBe(enc);
    expect(toPlain((await decryptTree(edited, 'yaml', [dev.identity])).branches[0]!)).toMatchObject({ user: 'other', pass_enc: 'p1' });
    const withoutFlag = await encryptTree(tree(), 'yaml', { recipients: [dev.recipient], encryptedRegex: '^pass' });
    await expectMetaError(decryptTree(withoutFlag.replace(/^user: app$/m, 'user: other'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });
});

describe('tampering is a MAC_MISMATCH', () => {
  let enc: string;
  beforeAll(async () => {
    enc = await encryptDocument('first: one\nsecond: two\nlist:\n    - a\n    - b\n', 'yaml', { recipients: [dev.recipient] });
  });
  const lineOf = (text: string, prefix: string): number => text.split('\n').findIndex((l) => l.startsWith(prefix));

  it('accepts the untouched file', async () => {
    expect(await decryptDocument(enc, 'yaml', [dev.identity])).toContain('first: one');
  });

  it('a changed value', async () => {
    const lines = enc.split('\n');
    const i = lineOf(enc, 'first:');
    lines[i] = lines[i]!.replace(/data:([^,]+)/, (_m, d: string) => `data:${Buffer.from(Buffer.from(d, 'base64').map((b) => b ^ 1)).toString('base64')}`);
    await expectMetaError(decryptTree(lines.join('\n'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });

  it('a value replaced by plaintext', async () => {
    const lines = enc.split('\n');
    lines[lineOf(enc, 'first:')] = 'first: forged';
    await expectMetaError(decryptTree(lines.join('\n'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });

  it('two values swapped (keys moved with their values)', async () => {
    const lines = enc.split('\n');
    const [a, b] = [lineOf(enc, 'first:'), lineOf(enc, 'second:')];
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    await expectMetaError(decryptTree(lines.join('\n'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });

  it('two list items swapped', async () => {
    const lines = enc.split('\n');
    const items = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('    - ENC['));
    [lines[items[0]![1]], lines[items[1]![1]]] = [items[1]![0], items[0]![0]];
    await expectMetaError(decryptTree(lines.join('\n'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });

  it('a deleted key', async () => {
    const lines = enc.split('\n');
    lines.splice(lineOf(enc, 'second:'), 1);
    await expectMetaError(decryptTree(lines.join('\n'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });

  it('a changed lastmodified', async () => {
    const tampered = enc.replace(/lastmodified: "(\d{4})/, (_m, y: string) => `lastmodified: "${Number(y) - 1}`);
    expect(tampered).not.toBe(enc);
    await expectMetaError(decryptTree(tampered, 'yaml', [dev.identity]), 'MAC_MISMATCH');
  });

  it('rotate and updateKeys refuse a tampered file', async () => {
    const lines = enc.split('\n');
    lines.splice(lineOf(enc, 'second:'), 1);
    await expectMetaError(rotateDataKey(lines.join('\n'), 'yaml', [dev.identity]), 'MAC_MISMATCH');
    await expectMetaError(updateKeys(lines.join('\n'), 'yaml', [dev.identity], [dev.recipient, prod.recipient]), 'MAC_MISMATCH');
  });
});

describe('recipients and keys', () => {
  it('a dev identity cannot decrypt a prod-only file, and the error names the recipients', async () => {
    const enc = await encryptDocument('DB_PASSWORD=prod-secret\n', 'dotenv', { recipients: [prod.recipient, ops.recipient] });
    const err = await expectMetaError(decryptDocument(enc, 'dotenv', [dev.identity]), 'NO_IDENTITY');
    expect(err.message).toContain(prod.recipient);
    expect(err.message).toContain(ops.recipient);
    expect(err.message).toContain(dev.recipient); // which keys were tried
    expect(err.message).not.toContain(dev.identity);
    expect(err.data['recipients']).toEqual([prod.recipient, ops.recipient]);
    await expectMetaError(decryptDocument(enc, 'dotenv', []), 'NO_IDENTITY');
  });

  it('updateKeys re-wraps the same data key: values, MAC and lastmodified stay byte-identical', async () => {
    const v1 = await encryptDocument('a: 1\nb: two\n', 'yaml', { recipients: [dev.recipient, prod.recipient] });
    const v2 = await updateKeys(v1, 'yaml', [dev.identity], [prod.recipient]);
    const body = (t: string): string => t.slice(0, t.indexOf('sops:'));
    expect(body(v2)).toBe(body(v1));
    expect(readMetadata(v2, 'yaml').mac).toBe(readMetadata(v1, 'yaml').mac);
    expect(readMetadata(v2, 'yaml').lastModified).toBe(readMetadata(v1, 'yaml').lastModified);
    expect(readMetadata(v2, 'yaml').age.map((a) => a.recipient)).toEqual([prod.recipient]);
    await expectMetaError(decryptDocument(v2, 'yaml', [dev.identity]), 'NO_IDENTITY');
    expect(await decryptDocument(v2, 'yaml', [prod.identity])).toBe('a: 1\nb: two\n');
    // The old version is unchanged and still opens for the removed key (history is append-only).
    expect(await decryptDocument(v1, 'yaml', [dev.identity])).toBe('a: 1\nb: two\n');
  });

  it('updateKeys can add a recipient', async () => {
    const v1 = await encryptDocument('{"a": "x"}', 'json', { recipients: [prod.recipient] });
    const v2 = await updateKeys(v1, 'json', [prod.identity], [prod.recipient, ops.recipient]);
    expect(toPlain((await decryptTree(v2, 'json', [ops.identity])).branches[0]!)).toEqual({ a: 'x' });
  });

  it('rotateDataKey re-encrypts every value under a new key for the same recipients', async () => {
    const v1 = await encryptDocument('a: 1\nb: two\nc_unencrypted: keep\n', 'yaml', { recipients: [dev.recipient, prod.recipient] });
    const v2 = await rotateDataKey(v1, 'yaml', [prod.identity]);
    const valuesOf = (t: string): string[] => t.split('\n').filter((l) => /^[ab]: ENC\[/.test(l));
    expect(valuesOf(v2)).toHaveLength(2);
    for (const line of valuesOf(v2)) expect(valuesOf(v1)).not.toContain(line);
    expect(readMetadata(v2, 'yaml').age.map((a) => a.recipient)).toEqual([dev.recipient, prod.recipient]);
    for (const id of [dev.identity, prod.identity]) expect(await decryptDocument(v2, 'yaml', [id])).toBe('a: 1\nb: two\nc_unencrypted: keep\n');
  });

  it('setPairs replaces in place and appends new keys before re-encrypting', async () => {
    const v1 = await encryptDocument('A=1\nB=2\n', 'dotenv', { recipients: [dev.recipient] });
    const doc = await decryptTree(v1, 'dotenv', [dev.identity]);
    setPairs(doc.branches[0]!, [['B', 'new'], ['C', '3']]);
    const v2 = await encryptTree(doc.branches, 'dotenv', { recipients: [dev.recipient] });
    expect(await decryptDocument(v2, 'dotenv', [dev.identity])).toBe('A=1\nB=new\nC=3\n');
  });
});

describe('metadata from other tools', () => {
  it('updateKeys keeps pgp keys of a real sops file; rotate refuses to orphan them', async () => {
    const file = readFileSync(`${vectorsDir}/sops-nix/secrets.yaml`, 'utf8');
    const ids = parseKeyFile(readFileSync(`${vectorsDir}/sops-nix/age-keys.txt`, 'utf8'), 'age-keys.txt');
    const next = await updateKeys(file, 'yaml', ids, [...readMetadata(file, 'yaml').age.map((a) => a.recipient), dev.recipient]);
    expect(readMetadata(next, 'yaml').other.get('pgp')).toEqual(readMetadata(file, 'yaml').other.get('pgp'));
    expect(readMetadata(next, 'yaml').version).toBe('3.7.1');
    expect(toPlain((await decryptTree(next, 'yaml', [dev.identity])).branches[0]!)).toEqual({ test_key: 'test_value', a_list: ['e1', 'e3'], nested: { test: { file: 'another value' } } });
    await expectMetaError(rotateDataKey(file, 'yaml', ids), 'INVALID_ARGUMENT');
  });

  it('reads files whose comment rules left some values in plaintext', async () => {
    const enc = await encryptDocument('a: x\nb: plain\n', 'yaml', { recipients: [dev.recipient], unencryptedRegex: '^b$' });
    const withCommentRule = enc.replace('unencrypted_regex: ^b$', 'unencrypted_comment_regex: sops:nocrypt');
    expect(withCommentRule).not.toBe(enc);
    expect(toPlain((await decryptTree(withCommentRule, 'yaml', [dev.identity])).branches[0]!)).toEqual({ a: 'x', b: 'plain' });
    await expectMetaError(encryptDocument('a: x\n', 'yaml', { recipients: [dev.recipient], unencryptedCommentRegex: 'x' }), 'INVALID_ARGUMENT');
  });
});

/**
 * Cross-checks files boot-meta writes against independent implementations: `sops-age` (a
 * separate JS SOPS decryptor) for the values, and the real `age` CLI for the wrapped data key.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSops } from 'sops-age';
import {
  decryptTree,
  encryptDocument,
  formatKeyFile,
  generateAgeIdentity,
  readMetadata,
  toPlain,
  unwrapDataKey,
  type AgeKeyPair,
  type SopsFormat,
} from '../../../src/secrets/index.js';

function findAge(): string | undefined {
  const r = spawnSync('age', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'age' : undefined;
}
const agePath = findAge();
const inCI = process.env['CI'] === 'true';
if (!agePath && !inCI) {
  console.warn('SKIPPING age CLI cross-checks: `age` is not on PATH (apt-get install age); under CI=true this is a failure');
}

let key: AgeKeyPair;
let other: AgeKeyPair;
let dir: string;
beforeAll(async () => {
  [key, other] = await Promise.all([generateAgeIdentity(), generateAgeIdentity()]);
  dir = mkdtempSync(path.join(tmpdir(), 'boot-meta-sops-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const samples: Array<{ format: Exclude<SopsFormat, 'binary'>; plain: string }> = [
  { format: 'yaml', plain: 'password: hunter2\nport: 5432\nratio: 0.5\nenabled: true\nnested:\n    list:\n        - a\n        - b\n    host_unencrypted: db\n' },
  { format: 'json', plain: '{"password": "hunter2", "port": 5432, "ratio": 0.5, "enabled": true, "nested": {"list": ["a", "b"]}}' },
  { format: 'dotenv', plain: 'DB_PASSWORD=hunter2\nAPI_TOKEN=abc=def\n' },
];

describe('sops-age decrypts what boot-meta writes', () => {
  for (const { format, plain } of samples) {
    it(`${format}: same values as boot-meta's own decryption`, async () => {
      const enc = await encryptDocument(plain, format, { recipients: [other.recipient, key.recipient] });
      const theirs = await decryptSops(enc, { secretKey: key.identity, fileType: format === 'dotenv' ? 'env' : format });
      const ours = toPlain((await decryptTree(enc, format, [key.identity])).branches[0]!);
      expect(theirs).toEqual(ours);
      expect(ours).toMatchObject(format === 'dotenv' ? { DB_PASSWORD: 'hunter2' } : { password: 'hunter2', port: 5432, enabled: true });
    });
  }
});

describe('the real age CLI opens the wrapped data key', () => {
  it.skipIf(!agePath && !inCI)('age -d -i <keyfile> yields the 32-byte data key boot-meta uses, for every recipient', async () => {
    expect(agePath, '`age` must be on PATH under CI (apt-get install age)').toBeDefined();
    const enc = await encryptDocument('secret: value\n', 'yaml', { recipients: [key.recipient, other.recipient] });
    const meta = readMetadata(enc, 'yaml');
    for (const pair of [key, other]) {
      const keyFile = path.join(dir, `${pair.recipient}.txt`);
      writeFileSync(keyFile, formatKeyFile(pair), { mode: 0o600 });
      const entry = meta.age.find((a) => a.recipient === pair.recipient)!;
      const fromCli = execFileSync(agePath!, ['-d', '-i', keyFile], { input: entry.enc });
      expect(fromCli.length).toBe(32);
      const ours = await unwrapDataKey(entry.enc, [pair.identity]);
      expect(Buffer.from(ours!).equals(fromCli)).toBe(true);
    }
    // And a key that is not a recipient is refused by age too.
    const stranger = await generateAgeIdentity();
    const strangerFile = path.join(dir, 'stranger.txt');
    writeFileSync(strangerFile, formatKeyFile(stranger), { mode: 0o600 });
    const r = spawnSync(agePath!, ['-d', '-i', strangerFile], { input: meta.age[0]!.enc });
    expect(r.status).not.toBe(0);
  });

  it.skipIf(!agePath && !inCI)('boot-meta unwraps a data key that the age CLI encrypted', async () => {
    expect(agePath, '`age` must be on PATH under CI (apt-get install age)').toBeDefined();
    const dataKey = Buffer.alloc(32, 7);
    const armored = execFileSync(agePath!, ['-a', '-r', key.recipient], { input: dataKey }).toString('utf8');
    expect(Buffer.from((await unwrapDataKey(armored, [key.identity]))!).equals(dataKey)).toBe(true);
  });
});

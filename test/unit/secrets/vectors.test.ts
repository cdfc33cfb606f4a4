import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeMac,
  decryptDocument,
  decryptTree,
  encryptDocument,
  normalizeRules,
  parseKeyFile,
  readMetadata,
  shouldEncrypt,
  toPlain,
  unwrapDataKey,
  type SopsFormat,
} from '../../../src/secrets/index.js';
import { expectMetaError, vectorsDir } from './helpers.js';

interface VectorMeta {
  file: string;
  key_file: string;
  recipient: string;
  sops_version: string;
  lastmodified: string;
  data_key_hex: string;
  mac_sha512_hex: string;
}

const vectors = JSON.parse(readFileSync(path.join(vectorsDir, 'expected-metadata.json'), 'utf8')) as VectorMeta[];
const formatOf = (file: string): SopsFormat => (file.endsWith('.json') ? 'json' : file.endsWith('.env') ? 'dotenv' : 'yaml');
const read = (rel: string): string => readFileSync(path.join(vectorsDir, rel), 'utf8');
const identitiesOf = (v: VectorMeta): string[] => parseKeyFile(read(v.key_file), v.key_file);
const expectedOf = (v: VectorMeta): unknown => JSON.parse(read(`${v.file}.expected.json`));

describe('files written by the real sops', () => {
  it('has all five vectors', () => {
    expect(vectors.map((v) => v.file).sort()).toEqual([
      'humphd-sops-age/secret.enc.env',
      'humphd-sops-age/secret.enc.json',
      'humphd-sops-age/secret.enc.yaml',
      'sops-age-key-workshop/k8s-secret.enc.yaml',
      'sops-nix/secrets.yaml',
    ]);
  });

  for (const v of vectors) {
    describe(v.file, () => {
      it('decrypts to the expected plaintext', async () => {
        const doc = await decryptTree(read(v.file), formatOf(v.file), identitiesOf(v));
        expect(toPlain(doc.branches[0]!)).toEqual(expectedOf(v));
      });

      it('reads its metadata and unwraps the data key it states', async () => {
        const meta = readMetadata(read(v.file), formatOf(v.file));
        expect(meta.version).toBe(v.sops_version);
        expect(meta.lastModified).toBe(v.lastmodified);
        const entry = meta.age.find((a) => a.recipient === v.recipient);
        expect(entry).toBeDefined();
        const key = await unwrapDataKey(entry!.enc, identitiesOf(v));
        expect(Buffer.from(key!).toString('hex')).toBe(v.data_key_hex);
      });

      it('recomputes the MAC stored in the file', async () => {
        const doc = await decryptTree(read(v.file), formatOf(v.file), identitiesOf(v));
        const rules = normalizeRules(doc.metadata.rules);
        const mac = computeMac(doc.branches, (p) => shouldEncrypt(p, rules), rules.macOnlyEncrypted ?? false);
        expect(mac).toBe(v.mac_sha512_hex);
      });

      it('decrypts to text in the same format that parses back to the same values', async () => {
        const text = await decryptDocument(read(v.file), formatOf(v.file), identitiesOf(v));
        expect(text).not.toContain('ENC[');
        // Re-encrypting the plaintext and decrypting again must give the same values.
        const recipient = v.recipient;
        const again = await encryptDocument(text, formatOf(v.file), { recipients: [recipient] });
        const back = await decryptTree(again, formatOf(v.file), identitiesOf(v));
        expect(toPlain(back.branches[0]!)).toEqual(expectedOf(v));
      });
    });
  }

  it('keeps the plaintext values of encrypted_regex files in the MAC (k8s vector)', async () => {
    const v = vectors.find((x) => x.file.includes('k8s'))!;
    // Changing a plaintext value (not encrypted, yet hashed) must break the MAC.
    const tampered = read(v.file).replace('namespace: default', 'namespace: kube-system');
    expect(tampered).not.toBe(read(v.file));
    await expectMetaError(decryptTree(tampered, 'yaml', identitiesOf(v)), 'MAC_MISMATCH');
  });

  it('rejects two swapped list items that per-value GCM alone accepts', async () => {
    const v = vectors.find((x) => x.file === 'humphd-sops-age/secret.enc.yaml')!;
    const lines = read(v.file).split('\n');
    const items = lines.map((l, i) => [l, i] as const).filter(([l]) => /^ {4}- ENC\[/.test(l));
    expect(items.length).toBe(3);
    const [a, b] = [items[0]![1], items[1]![1]];
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    const err = await expectMetaError(decryptTree(lines.join('\n'), 'yaml', identitiesOf(v)), 'MAC_MISMATCH');
    expect(err.message).toMatch(/MAC mismatch/);
  });

  it('names the recipients when no identity matches', async () => {
    const v = vectors.find((x) => x.file === 'humphd-sops-age/secret.enc.json')!;
    const other = vectors.find((x) => x.file === 'sops-nix/secrets.yaml')!;
    const err = await expectMetaError(decryptTree(read(v.file), 'json', identitiesOf(other)), 'NO_IDENTITY');
    expect(err.message).toContain('no identity matches');
    for (const r of readMetadata(read(v.file), 'json').age) expect(err.message).toContain(r.recipient);
    expect(err.message).toContain('--identity');
  });
});

/**
 * The SOPS operations on whole files: encrypt, decrypt (with MAC verification), rotate the data
 * key, and re-wrap it for a new recipient list.
 *
 * Pure apart from randomness and the clock: text in, text out, no file system, no git, no
 * repository knowledge; the caller decides where files and identities come from. Nothing is
 * returned unless the MAC verified, so a tampered file can never be re-written as valid.
 */
import { randomBytes } from 'node:crypto';
import { identityToRecipient } from 'age-encryption';
import { MetaError } from '../errors/MetaError.js';
import { assertX25519Recipient } from './ageKeys.js';
import { additionalData, decryptScalar, encryptScalar, isEncryptedValue } from './cipher.js';
import { asSopsWrites } from './scalarText.js';
import { unwrapDataKey, wrapDataKey } from './dataKeyWrap.js';
import { dotenvStore } from './dotenvStore.js';
import { binaryStore, jsonStore } from './jsonStore.js';
import { computeMac } from './computeMac.js';
import {
  SOPS_VERSION,
  formatLastModified,
  hasForeignMasterKeys,
  macAdditionalData,
  metadataEntries,
  parseMetadata,
  type SopsMetadata,
} from './metadata.js';
import { normalizeRules, shouldEncrypt, type EncryptionRules } from './rules.js';
import type { SopsFormat, SopsStore } from './store.js';
import { mapLeaves, type SopsMap, type SopsNode, type SopsScalar } from './tree.js';
import { yamlStore } from './yamlStore.js';

const STORES: Record<SopsFormat, SopsStore> = { yaml: yamlStore, json: jsonStore, dotenv: dotenvStore, binary: binaryStore };

/**
 * The store for a format.
 *
 * @example
 * storeFor('yaml').loadPlain('a: 1\n')
 */
export function storeFor(format: SopsFormat): SopsStore {
  const store = STORES[format];
  if (!store) throw new MetaError('INVALID_ARGUMENT', `unknown SOPS format ${JSON.stringify(format)}: use yaml, json, dotenv or binary`, { format });
  return store;
}

/** Options of {@link encryptDocument}: recipients plus sops' encryption rules. */
export interface EncryptOptions extends EncryptionRules {
  /** X25519 age recipients (`age1…`), usually from the `.sops.yaml` rule for the file's path. */
  recipients: readonly string[];
  /** The `lastmodified` time (default now). */
  now?: Date;
}

/** A decrypted file: plaintext documents in order, and the metadata it was read with. */
export interface DecryptedDocument {
  format: SopsFormat;
  branches: SopsMap[];
  metadata: SopsMetadata;
}

function integrity(message: string, data: Record<string, unknown> = {}): MetaError {
  return new MetaError('MAC_MISMATCH', message, data);
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refuses keys and string values that are not well-formed Unicode (a lone UTF-16 surrogate, as
 * JSON's `"\ud800"` gives): they have no UTF-8 form, so they would be stored as something else
 * than was given. The error names the key path, never the value.
 */
function checkWellFormedTree(node: SopsNode, path: readonly string[] = []): void {
  const where = () => path.join('.') || '(top level)';
  switch (node.type) {
    case 'map':
      for (const item of node.items) {
        if (LONE_SURROGATE.test(item.key)) throw new MetaError('INVALID_ARGUMENT', `a key under ${where()} is not well-formed Unicode (a lone UTF-16 surrogate); write it as valid UTF-8`, {});
        checkWellFormedTree(item.value, [...path, item.key]);
      }
      return;
    case 'list':
      for (const item of node.items) checkWellFormedTree(item, path);
      return;
    case 'str':
      if (LONE_SURROGATE.test(node.value)) throw new MetaError('INVALID_ARGUMENT', `the value of ${where()} is not well-formed Unicode (a lone UTF-16 surrogate); write it as valid UTF-8`, { path });
      return;
    default:
      return;
  }
}

function plainRecipients(recipients: readonly string[]): string[] {
  if (recipients.length === 0) {
    throw new MetaError('INVALID_ARGUMENT', 'no age recipients to encrypt for: add one to the .sops.yaml rule for this path (`meta keys add-recipient <env> <age1…>`) or pass --age <recipient>', {});
  }
  recipients.forEach(assertX25519Recipient);
  return [...new Set(recipients)];
}

async function wrapForAll(dataKey: Uint8Array, recipients: readonly string[]): Promise<Array<{ recipient: string; enc: string }>> {
  return Promise.all(recipients.map(async (recipient) => ({ recipient, enc: await wrapDataKey(dataKey, recipient) })));
}

function encryptBranches(branches: readonly SopsMap[], rules: EncryptionRules, dataKey: Uint8Array): SopsMap[] {
  return branches.map((branch) =>
    mapLeaves(branch, (leaf, path) => {
      if (leaf.type === 'null' || !shouldEncrypt(path, rules)) return leaf;
      return { type: 'str', value: encryptScalar(leaf, dataKey, additionalData(path)) };
    }),
  );
}

async function sealTree(store: SopsStore, input: readonly SopsMap[], rules: EncryptionRules, recipients: readonly string[], dataKey: Uint8Array, now: Date, other: Map<string, unknown>): Promise<string> {
  const plain = input.map((branch) => mapLeaves(branch, asSopsWrites));
  const lastModified = formatLastModified(now);
  const mac = computeMac(plain, (path) => shouldEncrypt(path, rules), rules.macOnlyEncrypted ?? false);
  const metadata: SopsMetadata = {
    age: await wrapForAll(dataKey, recipients),
    lastModified,
    mac: encryptScalar({ type: 'str', value: mac }, dataKey, macAdditionalData(lastModified)),
    version: SOPS_VERSION,
    rules,
    commentRules: false,
    other,
  };
  return store.emitEncrypted(encryptBranches(plain, rules, dataKey), metadataEntries(metadata));
}

/**
 * Encrypts a typed tree (several for multi-document YAML) into a SOPS file.
 *
 * @example
 * const text = await encryptTree([fromPlain({ password: 'hunter2' }) as SopsMap], 'yaml', { recipients: ['age1…'] });
 */
export async function encryptTree(branches: readonly SopsMap[], format: SopsFormat, options: EncryptOptions): Promise<string> {
  const store = storeFor(format);
  if (options.unencryptedCommentRegex) {
    throw new MetaError('INVALID_ARGUMENT', 'unencrypted_comment_regex is not supported when encrypting (boot-meta does not keep comments): use unencrypted_suffix or unencrypted_regex', {});
  }
  const rules = normalizeRules(options);
  const recipients = plainRecipients(options.recipients);
  if (branches.some((b) => b.items.some((item) => item.key === 'sops'))) {
    throw new MetaError('INVALID_ARGUMENT', 'the document already has a top-level "sops" key: it is encrypted already, or rename that key', {});
  }
  for (const b of branches) checkWellFormedTree(b);
  return sealTree(store, branches, rules, recipients, randomBytes(32), options.now ?? new Date(), new Map());
}

/**
 * Encrypts a plaintext file (YAML, JSON, dotenv or any bytes for `binary`) for age recipients,
 * producing what `sops --encrypt --age …` would.
 *
 * @example
 * const enc = await encryptDocument('password: hunter2\n', 'yaml', { recipients: ['age1…'] });
 */
export async function encryptDocument(plain: string | Uint8Array, format: SopsFormat, options: EncryptOptions): Promise<string> {
  return encryptTree(storeFor(format).loadPlain(plain), format, options);
}

/**
 * Reads the metadata of an encrypted file without decrypting it (recipients, lastmodified…).
 *
 * @example
 * readMetadata(text, 'yaml').age.map((a) => a.recipient)
 */
export function readMetadata(encText: string, format: SopsFormat): SopsMetadata {
  return parseMetadata(storeFor(format).loadEncrypted(encText).metadata);
}

async function describeIdentities(identities: readonly string[]): Promise<string> {
  if (identities.length === 0) return 'no age identity was found';
  const recipients = await Promise.all(identities.map((i) => identityToRecipient(i).catch(() => '(invalid identity)')));
  return `the identities tried belong to ${recipients.join(', ')}`;
}

async function recoverDataKey(meta: SopsMetadata, identities: readonly string[]): Promise<Uint8Array> {
  for (const entry of meta.age) {
    const key = await unwrapDataKey(entry.enc, identities);
    if (key) {
      if (key.length !== 32) throw integrity(`the data key wrapped for ${entry.recipient} is ${key.length} bytes, not 32: the file is damaged`);
      return key;
    }
  }
  const recipients = meta.age.map((a) => a.recipient);
  const tried = await describeIdentities(identities);
  if (recipients.length === 0) {
    throw new MetaError('NO_IDENTITY', `no identity matches: this file has no age recipients (only other key types); decrypt it with sops (${tried})`, { recipients });
  }
  throw new MetaError(
    'NO_IDENTITY',
    `no identity matches: this file is encrypted for ${recipients.join(', ')}; ${tried}. Pass --identity <file> or set SOPS_AGE_KEY_FILE to a key for one of those recipients`,
    { recipients },
  );
}

function decryptBranches(branches: readonly SopsMap[], meta: SopsMetadata, dataKey: Uint8Array): { plain: SopsMap[]; encryptedPaths: Set<string> } {
  const encryptedPaths = new Set<string>();
  const rules = normalizeRules(meta.rules);
  const plain = branches.map((branch) =>
    mapLeaves(branch, (leaf, path): SopsScalar => {
      // With comment rules any value may legitimately be plaintext; otherwise the rules decide,
      // and a plaintext value where the rules expect ciphertext is tampering.
      const expected = meta.commentRules ? leaf.type === 'str' && isEncryptedValue(leaf.value) : shouldEncrypt(path, rules);
      if (!expected) return leaf;
      const where = path.join('.') || '(top level)';
      if (leaf.type !== 'str') throw integrity(`the value of ${where} should be encrypted but is a plain ${leaf.type}: the file was modified; restore it from history`, { path });
      const result = decryptScalar(leaf.value, dataKey, additionalData(path));
      if ('failure' in result) {
        throw integrity(
          result.failure === 'auth'
            ? `the value of ${where} fails authentication: it was changed or moved from another key; restore the file from history`
            : `the value of ${where} is not a valid SOPS value: the file was modified; restore it from history`,
          { path },
        );
      }
      encryptedPaths.add(path.join('\u0000'));
      return result.leaf;
    }),
  );
  return { plain, encryptedPaths };
}

function verifyMac(plain: readonly SopsMap[], meta: SopsMetadata, dataKey: Uint8Array, encryptedPaths: Set<string>): void {
  const rules = normalizeRules(meta.rules);
  const isEncrypted = meta.commentRules ? (path: readonly string[]) => encryptedPaths.has(path.join('\u0000')) : (path: readonly string[]) => shouldEncrypt(path, rules);
  const computed = computeMac(plain, isEncrypted, rules.macOnlyEncrypted ?? false);
  const stored = decryptScalar(meta.mac, dataKey, macAdditionalData(meta.lastModified));
  if ('failure' in stored || stored.leaf.type !== 'str') {
    throw integrity('the stored MAC cannot be authenticated: the file (or its lastmodified) was modified; restore it from history', {});
  }
  if (stored.leaf.value.toUpperCase() !== computed) {
    // Neither MAC goes into the error: each is a hash of every plaintext value, which would let
    // whoever sees the error test guesses of weak secrets offline.
    throw integrity('MAC mismatch: values were changed, swapped, added or removed after encryption; restore the file from history', {});
  }
}

async function open(encText: string, format: SopsFormat, identities: readonly string[]): Promise<DecryptedDocument & { dataKey: Uint8Array; encrypted: SopsMap[] }> {
  const loaded = storeFor(format).loadEncrypted(encText);
  if (loaded.metadata === undefined) {
    throw new MetaError('INVALID_ARGUMENT', `this ${format} file has no sops metadata: it is not encrypted (or pass the right --format)`, { format });
  }
  const metadata = parseMetadata(loaded.metadata);
  // Known without any key: a file whose MAC was stripped can never be verified.
  if (metadata.mac === '') {
    throw integrity('this file has no MAC (sops.mac was removed or emptied), so its values cannot be verified: it was modified; restore it from history', {});
  }
  const dataKey = await recoverDataKey(metadata, identities);
  const { plain, encryptedPaths } = decryptBranches(loaded.branches, metadata, dataKey);
  verifyMac(plain, metadata, dataKey, encryptedPaths);
  return { format, branches: plain, metadata, dataKey, encrypted: loaded.branches };
}

/**
 * Decrypts a SOPS file into its typed, ordered tree after checking the MAC.
 * Throws NO_IDENTITY (naming the file's recipients) or MAC_MISMATCH.
 *
 * @example
 * const doc = await decryptTree(text, 'yaml', ['AGE-SECRET-KEY-1…']);
 * toPlain(doc.branches[0]!) // { password: 'hunter2' }
 */
export async function decryptTree(encText: string, format: SopsFormat, identities: readonly string[]): Promise<DecryptedDocument> {
  const { branches, metadata } = await open(encText, format, identities);
  return { format, branches, metadata };
}

/**
 * Decrypts a SOPS file to plaintext in the same format (`sops --decrypt`). Binary files come
 * back as UTF-8 text; use {@link decryptDocumentBytes} for arbitrary bytes.
 *
 * @example
 * const yaml = await decryptDocument(text, 'yaml', identities);
 */
export async function decryptDocument(encText: string, format: SopsFormat, identities: readonly string[]): Promise<string> {
  const out = storeFor(format).emitPlain((await open(encText, format, identities)).branches);
  return typeof out === 'string' ? out : Buffer.from(out).toString('utf8');
}

/**
 * Like {@link decryptDocument} but returns bytes (exact for binary files).
 *
 * @example
 * writeFileSync('cert.pem', await decryptDocumentBytes(text, 'binary', identities));
 */
export async function decryptDocumentBytes(encText: string, format: SopsFormat, identities: readonly string[]): Promise<Uint8Array> {
  const out = storeFor(format).emitPlain((await open(encText, format, identities)).branches);
  return typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
}

/**
 * Re-encrypts every value under a new random data key, for the same recipients and rules
 * (`sops rotate`). Use it after removing a recipient: {@link updateKeys} alone keeps the old
 * data key, which the removed key holder may have kept.
 *
 * @example
 * const next = await rotateDataKey(text, 'yaml', identities);
 */
export async function rotateDataKey(encText: string, format: SopsFormat, identities: readonly string[], options: { now?: Date } = {}): Promise<string> {
  const doc = await open(encText, format, identities);
  if (hasForeignMasterKeys(doc.metadata)) {
    throw new MetaError('INVALID_ARGUMENT', 'this file also has pgp/kms/vault keys, which boot-meta cannot re-encrypt a new data key for: rotate it with `sops rotate`', {});
  }
  const recipients = plainRecipients(doc.metadata.age.map((a) => a.recipient));
  return sealTree(storeFor(format), doc.branches, normalizeRules(doc.metadata.rules), recipients, randomBytes(32), options.now ?? new Date(), new Map(doc.metadata.other));
}

/**
 * Wraps the file's existing data key for `recipients` (replacing the age list, like
 * `sops updatekeys`); values, MAC and `lastmodified` stay byte-identical. The MAC is verified
 * first so a tampered file is never re-blessed.
 *
 * @example
 * const next = await updateKeys(text, 'yaml', identities, ['age1dev…', 'age1ci…']);
 */
export async function updateKeys(encText: string, format: SopsFormat, identities: readonly string[], recipients: readonly string[]): Promise<string> {
  const doc = await open(encText, format, identities);
  const metadata: SopsMetadata = { ...doc.metadata, age: await wrapForAll(doc.dataKey, plainRecipients(recipients)) };
  return storeFor(format).emitEncrypted(doc.encrypted, metadataEntries(metadata));
}

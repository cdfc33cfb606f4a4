/**
 * sops' value cipher: AES-256-GCM with a 32-byte IV, rendered as
 * `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>]`.
 *
 * The additional data binds a value to its key path (`a:b:`), so a ciphertext moved to another key
 * fails authentication; values at the same path (list items) can still be swapped, which only the
 * MAC catches.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { parseScalar, scalarBytes } from './scalarText.js';
import type { SopsScalar } from './tree.js';

/** sops uses a 32-byte GCM nonce rather than the usual 12 (aes/cipher.go `nonceSize`). */
export const SOPS_IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_PATTERN = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

/** The parts of an `ENC[…]` string. */
export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

/**
 * Splits an `ENC[…]` string into its parts; undefined when the text is not one.
 *
 * @example
 * parseEncryptedValue('ENC[AES256_GCM,data:Ag==,iv:…,tag:…,type:int]')?.type // 'int'
 */
export function parseEncryptedValue(text: string): EncryptedValue | undefined {
  const m = ENC_PATTERN.exec(text);
  if (!m) return undefined;
  return {
    data: Buffer.from(m[1]!, 'base64'),
    iv: Buffer.from(m[2]!, 'base64'),
    tag: Buffer.from(m[3]!, 'base64'),
    type: m[4]!,
  };
}

/**
 * True when `text` looks like a sops-encrypted value.
 *
 * @example
 * isEncryptedValue('plain') // false
 */
export function isEncryptedValue(text: string): boolean {
  return ENC_PATTERN.test(text);
}

/**
 * The additional data sops authenticates a value with: each path component followed by `:`.
 *
 * @example
 * additionalData(['complex', 'array']) // 'complex:array:'
 */
export function additionalData(path: readonly string[]): string {
  return path.join(':') + ':';
}

/**
 * Encrypts one leaf. Empty strings and empty bytes stay empty, as sops writes them.
 *
 * @example
 * const enc = encryptScalar({ type: 'int', value: 7n }, dataKey, 'port:');
 */
export function encryptScalar(leaf: Exclude<SopsScalar, { type: 'null' }>, key: Uint8Array, aad: string, iv?: Uint8Array): string {
  const plain = scalarBytes(leaf);
  if ((leaf.type === 'str' || leaf.type === 'bytes') && plain.length === 0) return '';
  const nonce = iv ?? randomBytes(SOPS_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const tag = cipher.getAuthTag();
  // Bytes are written as `str`, as sops writes them: sops panics on `type:bytes` values and its
  // binary store needs a string, while a Go string carries any bytes unchanged.
  const type = leaf.type === 'bytes' ? 'str' : leaf.type;
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${Buffer.from(nonce).toString('base64')},tag:${tag.toString('base64')},type:${type}]`;
}

/** Why a value could not be decrypted. */
export type DecryptFailure = 'format' | 'auth' | 'type';

/**
 * Decrypts one `ENC[…]` string; returns the leaf, or the reason it failed (never throws, so the
 * caller can turn every failure into one clear error naming the key).
 *
 * @example
 * const r = decryptScalar(enc, dataKey, 'port:'); if ('leaf' in r) console.log(r.leaf);
 */
export function decryptScalar(text: string, key: Uint8Array, aad: string): { leaf: SopsScalar } | { failure: DecryptFailure } {
  if (text === '') return { leaf: { type: 'str', value: '' } };
  const parsed = parseEncryptedValue(text);
  if (!parsed || parsed.tag.length !== TAG_BYTES || parsed.iv.length === 0) return { failure: 'format' };
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(parsed.tag);
    plain = Buffer.concat([decipher.update(parsed.data), decipher.final()]);
  } catch {
    return { failure: 'auth' };
  }
  const leaf = parseScalar(parsed.type, plain);
  return leaf ? { leaf } : { failure: 'type' };
}

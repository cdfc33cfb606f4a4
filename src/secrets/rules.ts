/**
 * Which values sops encrypts: the suffix and regex rules stored in a file's metadata.
 *
 * sops allows at most one of the four key rules per file and falls back to `_unencrypted` when
 * none is given; the decision looks at every component of a value's key path, so a suffix on a
 * parent key covers everything below it.
 */
import { MetaError } from '../errors/MetaError.js';

/** The rules, named as in sops' metadata block (camelCase here). */
export interface EncryptionRules {
  /** Keys ending with it stay plaintext (sops default `_unencrypted`). */
  unencryptedSuffix?: string;
  /** Only keys ending with it are encrypted. */
  encryptedSuffix?: string;
  /** Keys matching it stay plaintext. */
  unencryptedRegex?: string;
  /** Only keys matching it are encrypted. */
  encryptedRegex?: string;
  /**
   * Values after a comment matching it stay plaintext. boot-meta does not model comments, so it
   * honours this only when reading (any value that is not `ENC[…]` is then taken as plaintext)
   * and refuses it when encrypting.
   */
  unencryptedCommentRegex?: string;
  /** Only encrypted values count in the MAC. */
  macOnlyEncrypted?: boolean;
}

/** sops' `DefaultUnencryptedSuffix`. */
export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/**
 * Validates the rules as sops does and fills in the default suffix.
 *
 * @example
 * normalizeRules({}) // { unencryptedSuffix: '_unencrypted', macOnlyEncrypted: false }
 */
export function normalizeRules(rules: EncryptionRules): EncryptionRules {
  const keyRules = (['unencryptedSuffix', 'encryptedSuffix', 'unencryptedRegex', 'encryptedRegex'] as const).filter(
    (name) => rules[name] !== undefined && rules[name] !== '',
  );
  if (keyRules.length > 1) {
    throw new MetaError(
      'INVALID_ARGUMENT',
      `only one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex may be set, got ${keyRules.join(', ')}: keep one`,
      { rules: keyRules },
    );
  }
  for (const name of ['unencryptedRegex', 'encryptedRegex', 'unencryptedCommentRegex'] as const) {
    const re = rules[name];
    if (re === undefined || re === '') continue;
    try {
      new RegExp(re);
    } catch (e) {
      throw new MetaError('INVALID_ARGUMENT', `${name} ${JSON.stringify(re)} is not a valid regular expression: fix it in .sops.yaml or the file's metadata`, { [name]: re }, { cause: e });
    }
  }
  const out: EncryptionRules = { macOnlyEncrypted: rules.macOnlyEncrypted ?? false };
  for (const name of ['unencryptedSuffix', 'encryptedSuffix', 'unencryptedRegex', 'encryptedRegex', 'unencryptedCommentRegex'] as const) {
    const v = rules[name];
    if (v !== undefined && v !== '') out[name] = v;
  }
  if (keyRules.length === 0) out.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX;
  return out;
}

/**
 * Whether the value at `path` is encrypted under `rules` (sops' `shouldBeEncrypted`, without
 * comments).
 *
 * @example
 * shouldEncrypt(['db', 'host_unencrypted'], { unencryptedSuffix: '_unencrypted' }) // false
 */
export function shouldEncrypt(path: readonly string[], rules: EncryptionRules): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix) {
    if (path.some((p) => p.endsWith(rules.unencryptedSuffix!))) encrypted = false;
  }
  if (rules.encryptedSuffix) {
    encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix!));
  }
  if (rules.unencryptedRegex) {
    const re = new RegExp(rules.unencryptedRegex);
    if (path.some((p) => re.test(p))) encrypted = false;
  }
  if (rules.encryptedRegex) {
    const re = new RegExp(rules.encryptedRegex);
    encrypted = path.some((p) => re.test(p));
  }
  return encrypted;
}

/**
 * The SOPS MAC: SHA-512 over the plaintext of every value in document order, as uppercase hex.
 *
 * Keys are not hashed, only values, so it is the order and content of values that it protects:
 * a changed, swapped, added or removed value changes it. With `mac_only_encrypted`, plaintext
 * values are left out and a fixed prefix makes the two variants never collide.
 */
import { createHash } from 'node:crypto';
import { scalarBytes } from './scalarText.js';
import { mapLeaves, type SopsMap } from './tree.js';

/** sha256("sops"): sops' `MACOnlyEncryptedInitialization`. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/**
 * Computes the MAC of decrypted branches.
 *
 * @param branches - the plaintext documents (several for multi-document YAML)
 * @param isEncrypted - whether the value at a path is (or will be) encrypted
 * @param macOnlyEncrypted - hash only encrypted values
 * @example
 * const mac = computeMac([tree], (path) => shouldEncrypt(path, rules), false);
 */
export function computeMac(branches: readonly SopsMap[], isEncrypted: (path: readonly string[]) => boolean, macOnlyEncrypted: boolean): string {
  const hash = createHash('sha512');
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  for (const branch of branches) {
    mapLeaves(branch, (leaf, path) => {
      if (leaf.type !== 'null' && (!macOnlyEncrypted || isEncrypted(path))) hash.update(scalarBytes(leaf));
      return leaf;
    });
  }
  return hash.digest('hex').toUpperCase();
}

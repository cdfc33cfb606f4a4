/**
 * Wrapping the 32-byte data key for one age recipient, as sops stores it in `sops.age[].enc`:
 * a separate armored age file per recipient, so each can be added or removed alone.
 */
import { Decrypter, Encrypter, armor } from 'age-encryption';
import { assertX25519Recipient } from './ageKeys.js';

/**
 * Encrypts the data key to one X25519 recipient; returns the armored age file (with final newline).
 *
 * @example
 * const enc = await wrapDataKey(dataKey, 'age1je6kjh…');
 */
export async function wrapDataKey(dataKey: Uint8Array, recipient: string): Promise<string> {
  assertX25519Recipient(recipient);
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(dataKey));
}

/**
 * Tries `identities` on one wrapped data key; returns the key, or undefined when none of them
 * is a recipient of it (or it is not an age file at all).
 *
 * @example
 * const key = await unwrapDataKey(entry.enc, ['AGE-SECRET-KEY-1…']);
 */
export async function unwrapDataKey(enc: string, identities: readonly string[]): Promise<Uint8Array | undefined> {
  if (identities.length === 0) return undefined;
  let file: Uint8Array;
  try {
    file = armor.decode(enc);
  } catch {
    return undefined;
  }
  const d = new Decrypter();
  for (const identity of identities) d.addIdentity(identity);
  try {
    return await d.decrypt(file);
  } catch {
    return undefined;
  }
}

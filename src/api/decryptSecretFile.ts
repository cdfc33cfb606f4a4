/**
 * `meta secret decrypt`: any SOPS file outside the meta repository, like `sops -d`. Returns the
 * plaintext; the caller decides where it goes, so a failed MAC or a missing identity writes nothing.
 */
import { decryptDocumentBytes } from '../secrets/sopsFile.js';
import { detectFormat, type SopsFormat } from '../secrets/store.js';
import { readSecretInput } from './readSecretInput.js';
import { resolveIdentities, type IdentityOptions } from './resolveIdentities.js';

/**
 * Decrypts a SOPS file (`sops -d`): the plaintext bytes in the file's own format, after the MAC
 * check. Throws NO_IDENTITY naming the recipients, or MAC_MISMATCH.
 *
 * @example
 * process.stdout.write(await decryptSecretFile({ file: 'secrets.enc.yaml' }));
 */
export async function decryptSecretFile(opts: IdentityOptions & { file: string; data?: Uint8Array; format?: SopsFormat }): Promise<Uint8Array> {
  const text = Buffer.from(readSecretInput(opts.file, opts.data)).toString('utf8');
  return decryptDocumentBytes(text, detectFormat(opts.file, opts.format), resolveIdentities(opts));
}

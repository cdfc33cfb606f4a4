/**
 * `meta secret encrypt`: any file outside the meta repository, like `sops -e`. Returns the
 * ciphertext; the caller decides where it goes.
 */
import { MetaError } from '../errors/MetaError.js';
import { encryptDocument } from '../secrets/sopsFile.js';
import { detectFormat, type SopsFormat } from '../secrets/store.js';
import type { EncryptionRules } from '../secrets/rules.js';
import { findSopsRuleFor } from './findSopsRuleFor.js';
import { readSecretInput } from './readSecretInput.js';

/**
 * Encrypts a plaintext file for age recipients (`sops -e --age …`); without recipients, the
 * nearest `.sops.yaml` decides, as with sops.
 *
 * @example
 * const enc = await encryptSecretFile({ file: 'db.yaml', recipients: ['age1…'] });
 */
export async function encryptSecretFile(opts: { file: string; data?: Uint8Array; format?: SopsFormat; recipients?: readonly string[] }): Promise<string> {
  const input = readSecretInput(opts.file, opts.data);
  const format = detectFormat(opts.file, opts.format);
  let recipients = opts.recipients ?? [];
  let rules: EncryptionRules = {};
  if (recipients.length === 0 && opts.file !== '-') {
    const rule = findSopsRuleFor(opts.file);
    if (rule) {
      recipients = rule.age;
      rules = rule.rules;
    }
  }
  if (recipients.length === 0) {
    throw new MetaError('INVALID_ARGUMENT', `no age recipients for ${opts.file}: pass --age <age1…> (repeatable) or add a .sops.yaml creation rule for it`, { path: opts.file });
  }
  return encryptDocument(format === 'binary' ? input : Buffer.from(input).toString('utf8'), format, { ...rules, recipients });
}

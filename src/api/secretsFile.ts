/**
 * `meta secret encrypt / decrypt`: any SOPS file outside the meta repository, like `sops -e` and
 * `sops -d`. Reads the file (or given bytes) and returns the result; the caller decides where
 * it goes, so a failed MAC or a missing identity writes nothing.
 */
import * as nodeFs from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MetaError } from '../errors/MetaError.js';
import { findCreationRule, parseSopsConfig } from '../secrets/sopsConfig.js';
import { decryptDocumentBytes, encryptDocument } from '../secrets/sopsFile.js';
import { detectFormat, type SopsFormat } from '../secrets/store.js';
import type { EncryptionRules } from '../secrets/rules.js';
import { resolveIdentities, type IdentityOptions } from './resolveIdentities.js';

function readInput(file: string, data: Uint8Array | undefined): Uint8Array {
  if (data) return data;
  try {
    return nodeFs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MetaError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `cannot read ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
  }
}

/**
 * Decrypts a SOPS file (`sops -d`): the plaintext bytes in the file's own format, after the MAC
 * check. Throws NO_IDENTITY naming the recipients, or MAC_MISMATCH.
 *
 * @example
 * process.stdout.write(await decryptSecretFile({ file: 'secrets.enc.yaml' }));
 */
export async function decryptSecretFile(opts: IdentityOptions & { file: string; data?: Uint8Array; format?: SopsFormat }): Promise<Uint8Array> {
  const text = Buffer.from(readInput(opts.file, opts.data)).toString('utf8');
  return decryptDocumentBytes(text, detectFormat(opts.file, opts.format), resolveIdentities(opts));
}

/**
 * The creation rule sops would use for `file`: the nearest `.sops.yaml` in its folder or a
 * parent, matched against the path relative to that folder.
 *
 * @example
 * findSopsRuleFor('/src/app/secrets/db.yaml')?.age
 */
export function findSopsRuleFor(file: string): { age: string[]; rules: EncryptionRules; config: string } | undefined {
  let dir = dirname(resolve(file));
  for (;;) {
    const candidate = join(dir, '.sops.yaml');
    if (nodeFs.existsSync(candidate)) {
      const rule = findCreationRule(parseSopsConfig(nodeFs.readFileSync(candidate, 'utf8')), relative(dir, resolve(file)).split('\\').join('/'));
      return rule ? { age: rule.age, rules: rule.rules, config: candidate } : undefined;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Encrypts a plaintext file for age recipients (`sops -e --age …`); without recipients, the
 * nearest `.sops.yaml` decides, as with sops.
 *
 * @example
 * const enc = await encryptSecretFile({ file: 'db.yaml', recipients: ['age1…'] });
 */
export async function encryptSecretFile(opts: { file: string; data?: Uint8Array; format?: SopsFormat; recipients?: readonly string[] }): Promise<string> {
  const input = readInput(opts.file, opts.data);
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

/**
 * `meta keys generate`: a new age X25519 key pair, written to a key file readable by `age`,
 * `age-keygen -y` and `sops`.
 */
import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';
import { MetaError } from '../errors/MetaError.js';
import { formatKeyFile, generateAgeIdentity, type AgeKeyPair } from '../secrets/ageKeys.js';

/** What {@link generateKeys} made. */
export interface GeneratedKeys extends AgeKeyPair {
  /** The key file written (mode 0600), when `out` was given. */
  file?: string;
  /** The key file's text (what age-keygen prints). */
  keyFile: string;
}

/**
 * Generates a key pair; with `out`, writes the key file with mode 0600, creating missing parent
 * folders with mode 0700, and refuses to overwrite an existing file (a lost identity is a lost
 * secret). The identity is never written anywhere else.
 *
 * @example
 * const { recipient } = await generateKeys({ out: `${process.env.HOME}/.config/sops/age/keys.txt` });
 */
export async function generateKeys(opts: { out?: string; now?: Date } = {}): Promise<GeneratedKeys> {
  const pair = await generateAgeIdentity();
  const keyFile = formatKeyFile(pair, opts.now);
  if (opts.out === undefined) return { ...pair, keyFile };
  try {
    nodeFs.mkdirSync(dirname(opts.out), { recursive: true, mode: 0o700 });
    // 'wx' = O_CREAT|O_EXCL: never replaces a file, even one created a moment ago by someone else.
    nodeFs.writeFileSync(opts.out, keyFile, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new MetaError('ALREADY_EXISTS', `${opts.out} exists; keys are never overwritten: choose another --out, or append the new identity to it yourself`, { path: opts.out });
    }
    throw new MetaError('IO', `cannot write ${opts.out}: ${(e as Error).message}`, { path: opts.out }, { cause: e });
  }
  return { ...pair, keyFile, file: opts.out };
}

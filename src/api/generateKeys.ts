/**
 * `meta keys generate`: a new age X25519 key pair, written to a key file readable by `age`,
 * `age-keygen -y` and `sops`.
 */
import * as nodeFs from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
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
 * True when `path` is `dir` or below it, comparing real paths (a symbolic link to the repository,
 * or inside it, is inside too). A part that does not exist yet is taken as written.
 */
function isInside(path: string, dir: string): boolean {
  const real = (p: string): string => {
    const abs = resolve(p);
    try {
      return nodeFs.realpathSync(abs);
    } catch {
      const parent = dirname(abs);
      return parent === abs ? abs : `${real(parent)}${sep}${abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1))}`;
    }
  };
  const p = real(path);
  const d = real(dir);
  return p === d || p.startsWith(d + sep);
}

/**
 * Generates a key pair; with `out`, writes the key file with mode 0600, creating missing parent
 * folders with mode 0700, and refuses to overwrite an existing file (a lost identity is a lost
 * secret). The identity is never written anywhere else, and never inside `repoDir` (the meta
 * repository, when the caller has one).
 *
 * @example
 * const { recipient } = await generateKeys({ out: `${process.env.HOME}/.config/sops/age/keys.txt`, repoDir: '/srv/meta' });
 */
export async function generateKeys(opts: { out?: string; now?: Date; repoDir?: string } = {}): Promise<GeneratedKeys> {
  if (opts.out !== undefined && opts.repoDir !== undefined && isInside(opts.out, opts.repoDir)) {
    throw new MetaError('INVALID_ARGUMENT', `${opts.out} is inside the meta repository ${opts.repoDir}: identities never go into it (every writer and reader of the repository would hold the key); keep the key in your home directory or a secret store`, { path: opts.out });
  }
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

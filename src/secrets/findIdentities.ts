/**
 * Where age identities come from, with sops' conventions: explicit `--identity` files first,
 * then `$SOPS_AGE_KEY` (one or more lines), `$SOPS_AGE_KEY_FILE`, and the user's
 * `$XDG_CONFIG_HOME/sops/age/keys.txt` (else `~/.config/sops/age/keys.txt`).
 *
 * All sources are collected, not just the first, because a file may be encrypted for any one of
 * the user's keys. Identities are never read from a meta repository: that would put secrets
 * where every reader can see them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MetaError } from '../errors/MetaError.js';
import { parseKeyFile } from './ageKeys.js';

/** One identity and where it was found (for messages; the identity itself is secret). */
export interface FoundIdentity {
  identity: string;
  source: string;
}

/** Inputs of {@link findIdentities}; all injectable so tests need no real HOME. */
export interface FindIdentitiesOptions {
  /** Files given with `--identity <file>`; a missing one is an error. */
  identityFiles?: readonly string[];
  /** Environment (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory when `$HOME` is unset in `env` (default `os.homedir()`). */
  homeDir?: string;
  /** File reader (default `fs.readFileSync(path, 'utf8')`); throw ENOENT for a missing file. */
  readFile?: (path: string) => string;
}

function readOrThrow(readFile: (p: string) => string, path: string, what: string): string {
  try {
    return readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MetaError('NOT_FOUND', `${what} ${path} does not exist: check the path or create a key with \`meta keys generate --out ${path}\``, { path }, { cause: e });
    throw new MetaError('IO', `cannot read ${what} ${path}: ${(e as Error).message}; check its permissions`, { path }, { cause: e });
  }
}

/**
 * The default sops key file: `$XDG_CONFIG_HOME/sops/age/keys.txt`, else `~/.config/sops/age/keys.txt`.
 *
 * @example
 * defaultKeyFile({ HOME: '/home/me' }) // '/home/me/.config/sops/age/keys.txt'
 */
export function defaultKeyFile(env: Readonly<Record<string, string | undefined>> = process.env, homeDir: string = homedir()): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && xdg !== '' ? xdg : join(env['HOME'] && env['HOME'] !== '' ? env['HOME'] : homeDir, '.config');
  return join(base, 'sops', 'age', 'keys.txt');
}

/**
 * Collects age identities in sops' order (see the module comment). The default key file is
 * optional; explicit files and `$SOPS_AGE_KEY_FILE` must exist. Returns an empty list when the
 * user has no key anywhere; decryption then reports which recipients could open the file.
 *
 * @example
 * const ids = findIdentities({ identityFiles: argv.identity, env: process.env });
 * await decryptDocument(text, 'yaml', ids.map((i) => i.identity));
 */
export function findIdentities(options: FindIdentitiesOptions = {}): FoundIdentity[] {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const found: FoundIdentity[] = [];
  const add = (text: string, source: string): void => {
    for (const identity of parseKeyFile(text, source)) {
      if (!found.some((f) => f.identity === identity)) found.push({ identity, source });
    }
  };
  for (const file of options.identityFiles ?? []) add(readOrThrow(readFile, file, 'identity file'), file);
  const inline = env['SOPS_AGE_KEY'];
  if (inline && inline.trim() !== '') add(inline, '$SOPS_AGE_KEY');
  const keyFile = env['SOPS_AGE_KEY_FILE'];
  if (keyFile && keyFile !== '') add(readOrThrow(readFile, keyFile, '$SOPS_AGE_KEY_FILE'), keyFile);
  const fallback = defaultKeyFile(env, options.homeDir ?? homedir());
  let text: string | undefined;
  try {
    text = readFile(fallback);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new MetaError('IO', `cannot read the age key file ${fallback}: ${(e as Error).message}; check its permissions`, { path: fallback }, { cause: e });
    }
  }
  if (text !== undefined) add(text, fallback);
  return found;
}

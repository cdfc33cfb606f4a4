/**
 * Which age identities an API call decrypts with: the caller's list, else sops' lookup
 * (`--identity` files, `$SOPS_AGE_KEY`, `$SOPS_AGE_KEY_FILE`, `~/.config/sops/age/keys.txt`).
 * Never anything from the meta repository.
 */
import { findIdentities } from '../secrets/findIdentities.js';

/** Identity options every decrypting API call accepts. */
export interface IdentityOptions {
  /** Identities (`AGE-SECRET-KEY-1…`) to use; when given, nothing else is looked up. */
  identities?: readonly string[];
  /** Key files (like `--identity <file>`), tried before the environment's sources. */
  identityFiles?: readonly string[];
  /** Environment for `$SOPS_AGE_KEY*` and `$HOME` (default: the repository's, else process.env). */
  envVars?: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolves the identities to try, lazily: only calls that decrypt ask, so writing a new secret
 * works on a machine with no key at all.
 *
 * @example
 * resolveIdentities({ identityFiles: ['~/keys/prod.txt'] })
 */
export function resolveIdentities(opts: IdentityOptions, fallbackEnv?: Readonly<Record<string, string | undefined>>): string[] {
  if (opts.identities) return [...opts.identities];
  return findIdentities({ identityFiles: opts.identityFiles, env: opts.envVars ?? fallbackEnv ?? process.env }).map((f) => f.identity);
}

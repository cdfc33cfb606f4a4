/**
 * The store interface (one per file format) and format detection.
 *
 * As in sops, a store only converts between text and the tree plus a metadata block; all
 * cryptography happens on the tree, so every format gets the same rules and MAC.
 */
import type { SopsMap } from './tree.js';

/** The file formats sops (and boot-meta) can encrypt. */
export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'binary';

/** An encrypted file split into its documents and its raw metadata block. */
export interface LoadedEncrypted {
  branches: SopsMap[];
  metadata: unknown;
}

/** Reads and writes one format. */
export interface SopsStore {
  readonly format: SopsFormat;
  /** Parses an encrypted file; values are still `ENC[…]` strings. */
  loadEncrypted(text: string): LoadedEncrypted;
  /** Parses a plaintext file into documents. */
  loadPlain(input: string | Uint8Array): SopsMap[];
  /** Writes documents (with encrypted values) followed by the metadata block. */
  emitEncrypted(branches: readonly SopsMap[], metadata: ReadonlyArray<readonly [string, unknown]>): string;
  /** Writes decrypted documents back in this format. */
  emitPlain(branches: readonly SopsMap[]): string | Uint8Array;
}

/**
 * Picks the format from a file name as sops does: `.yaml`/`.yml`, `.json`, `.env`, anything
 * else binary. An explicit `override` wins.
 *
 * @example
 * detectFormat('envs/prod/secrets/db.sops.yaml') // 'yaml'
 * detectFormat('cert.pem') // 'binary'
 */
export function detectFormat(path: string, override?: SopsFormat): SopsFormat {
  if (override) return override;
  const lower = path.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.env')) return 'dotenv';
  return 'binary';
}

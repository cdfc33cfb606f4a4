import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { writeFlagSet, type FlagSetWriteResult } from './writeFlagSet.js';

export interface ImportFlagsOptions {
  project: string;
  channel: string;
  /** A whole flagd flag-definition document (JSON text), which replaces the channel's set. */
  document: string;
}

/**
 * flagd itself also reads `flags` as an array of flags each with its `key`; providers read only
 * the object form, so the set is stored as that.
 */
function flagsAsMap(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { flags?: unknown }).flags)) return doc;
  const flags = Object.create(null) as Record<string, unknown>;
  ((doc as { flags: unknown[] }).flags).forEach((f, i) => {
    const key = f !== null && typeof f === 'object' ? (f as { key?: unknown }).key : undefined;
    if (typeof key !== 'string') throw new MetaError('INVALID_ARGUMENT', `flag set is invalid at /flags/${i}: a flag of the array form needs a string "key"`, { path: `/flags/${i}` });
    if (Object.hasOwn(flags, key)) throw new MetaError('INVALID_ARGUMENT', `flag set is invalid at /flags/${i}: the key ${JSON.stringify(key)} is there twice`, { path: `/flags/${i}` });
    const { key: _key, ...rest } = f as Record<string, unknown>;
    flags[key] = rest;
  });
  return { ...(doc as object), flags };
}

/**
 * Replaces a channel's flag set with a flagd flag-definition document (validated against
 * flagd's schema, stored canonical; flagd's array form of `flags` is stored as the object form);
 * the same set again writes nothing.
 *
 * @example
 * await importFlags(repo, { project: 'acme/app', channel: 'stable', document: readFileSync('flags.json', 'utf8') });
 */
export async function importFlags(repo: MetaRepo, opts: ImportFlagsOptions): Promise<FlagSetWriteResult> {
  const { parseJsonText } = await import('../flags/canonicalJson.js');
  const { MAX_FLAG_DOCUMENT_BYTES } = await import('../flags/validateFlagDocument.js');
  // Pretty-printed input may be larger than its canonical form, but not without bound.
  if (Buffer.byteLength(opts.document) > 4 * MAX_FLAG_DOCUMENT_BYTES) throw new MetaError('INVALID_ARGUMENT', `the flag file is over ${4 * MAX_FLAG_DOCUMENT_BYTES} bytes; a flag set may be at most ${MAX_FLAG_DOCUMENT_BYTES} bytes of canonical JSON`, {});
  const value = flagsAsMap(parseJsonText(opts.document, 'the flag file'));
  return writeFlagSet(repo, opts.project, opts.channel, 'import', () => value);
}

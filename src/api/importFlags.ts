import type { MetaRepo } from './openMeta.js';
import { writeFlagSet, type FlagSetWriteResult } from './writeFlagSet.js';

export interface ImportFlagsOptions {
  project: string;
  channel: string;
  /** A whole flagd flag-definition document (JSON text), which replaces the channel's set. */
  document: string;
}

/**
 * Replaces a channel's flag set with a flagd flag-definition document (validated against
 * flagd's schema, stored canonical); the same set again writes nothing.
 *
 * @example
 * await importFlags(repo, { project: 'acme/app', channel: 'stable', document: readFileSync('flags.json', 'utf8') });
 */
export async function importFlags(repo: MetaRepo, opts: ImportFlagsOptions): Promise<FlagSetWriteResult> {
  const { parseJsonText } = await import('../flags/canonicalJson.js');
  const { MAX_FLAG_DOCUMENT_BYTES } = await import('../flags/validateFlagDocument.js');
  const { MetaError } = await import('../errors/MetaError.js');
  // Pretty-printed input may be larger than its canonical form, but not without bound.
  if (Buffer.byteLength(opts.document) > 4 * MAX_FLAG_DOCUMENT_BYTES) throw new MetaError('INVALID_ARGUMENT', `the flag file is over ${4 * MAX_FLAG_DOCUMENT_BYTES} bytes; a flag set may be at most ${MAX_FLAG_DOCUMENT_BYTES} bytes of canonical JSON`, {});
  const value = parseJsonText(opts.document, 'the flag file');
  return writeFlagSet(repo, opts.project, opts.channel, 'import', () => value);
}

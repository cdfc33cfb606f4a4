import { MetaError, isMetaError } from '../errors/MetaError.js';

/**
 * The flags file a follower writes from a resolve answer (`include=flags`): the channel's flag
 * set as flagd's flag-definition JSON, so a local flagd's file source can watch it. The document
 * is checked as every writer checks it (flagd's schema, size and depth limits) before a byte of
 * it reaches the disk; a server answering anything else is CORRUPT_RECORD.
 *
 * @example
 * const text = await flagsFileContents(raw.flags);
 */
export async function flagsFileContents(raw: unknown): Promise<string> {
  const corrupt = (why: string) => new MetaError('CORRUPT_RECORD', `the resolve answer's flags ${why}; not writing the flags file: the server or repository is broken or hostile`, { field: 'flags' });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('are missing or not an object (the server is older than this follower, or ignored include=flags)');
  const { validateFlagDocument } = await import('../flags/validateFlagDocument.js');
  try {
    const { value } = await validateFlagDocument((raw as { document?: unknown }).document);
    return `${JSON.stringify(value, null, 2)}\n`;
  } catch (e) {
    if (isMetaError(e, 'INVALID_ARGUMENT')) throw corrupt(`are not a valid flagd flag set (${e.message.slice(0, 200)})`);
    throw e;
  }
}

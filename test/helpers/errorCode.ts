import { isMetaError } from '../../src/errors/MetaError.js';

/** The MetaError code `fn` throws, or undefined when it returns; any other error is rethrown. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isMetaError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** The MetaError code `p` rejects with, or undefined when it resolves; any other error is rethrown. */
export async function asyncCodeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (isMetaError(e)) return e.code;
    throw e;
  }
  return undefined;
}

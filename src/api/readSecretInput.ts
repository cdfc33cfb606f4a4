import * as nodeFs from 'node:fs';
import { MetaError } from '../errors/MetaError.js';

/** The bytes to encrypt or decrypt: the given ones, else the file's, with a MetaError when it cannot be read. */
export function readSecretInput(file: string, data: Uint8Array | undefined): Uint8Array {
  if (data) return data;
  try {
    return nodeFs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MetaError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `cannot read ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
  }
}

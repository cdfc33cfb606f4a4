import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { MetaError } from '../errors/MetaError.js';

/**
 * sha256 and size of a file, streamed (binaries can be gigabytes).
 *
 * @example
 * const { digest, size } = await digestFile('dist/app'); // digest: 'sha256:…'
 */
export async function digestFile(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new MetaError('INVALID_ARGUMENT', `cannot read --file ${path}: ${why}`, { file: path, errno: code }, { cause: e });
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

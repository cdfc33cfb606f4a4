import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MetaError } from '../errors/MetaError.js';

export interface DownloadOptions {
  /** Expected `sha256:<hex>`. */
  digest: string;
  /** Expected size in bytes: reading stops (and fails) at the first byte beyond it. */
  size: number;
  /** The temp file is created in this directory (the install dir, so the final rename stays on one file system). */
  dir: string;
  onProgress?: (bytes: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Downloads `url` (`file://`, `http://`, `https://`) to a temp file in `dir`, hashing as it
 * streams, capped at the recorded size, and returns the temp path only when size and sha-256
 * both match; otherwise the temp file is removed and DIGEST_MISMATCH (bytes differ) or REMOTE
 * (could not fetch) is thrown. No unverified byte is ever left under a final name.
 *
 * @example
 * const tmp = await downloadVerified('https://dl.example/app-1.4.2', { digest: r.binary.digest, size: r.binary.size, dir: '/opt/app' });
 */
export async function downloadVerified(url: string, opts: DownloadOptions): Promise<string> {
  const tmp = `${opts.dir}/.download-${randomBytes(6).toString('hex')}`;
  const hash = createHash('sha256');
  let n = 0;
  const fh = await fsp.open(tmp, 'wx', 0o600);
  let ok = false;
  let closeAfter: (() => Promise<void>) | undefined;
  try {
    let body: AsyncIterable<Uint8Array>;
    if (url.startsWith('file://')) {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (e) {
        throw new MetaError('REMOTE', `${url} is not a usable file:// URL: ${(e as Error).message}`, { url });
      }
      body = createReadStream(path, { highWaterMark: 1 << 16 });
    } else if (/^https?:\/\//.test(url)) {
      let res: Response;
      try {
        res = await fetch(url, { signal: opts.signal, redirect: 'follow' });
      } catch (e) {
        throw new MetaError('REMOTE', `cannot download ${url}: ${(e as Error).message}`, { url }, { cause: e });
      }
      if (!res.ok || !res.body) throw new MetaError('REMOTE', `downloading ${url} answered HTTP ${res.status}`, { url, status: res.status });
      body = res.body as unknown as AsyncIterable<Uint8Array>;
    } else if (/^s3:\/\//.test(url)) {
      // The SDK is loaded only by a follower that meets an s3:// location; it is configured by the
      // environment as every AWS tool is (credential chain, AWS_ENDPOINT_URL_S3).
      const { BlobStorage } = await import('../storage/BlobStorage.js');
      const storage = new BlobStorage();
      try {
        body = await storage.read(url, { signal: opts.signal });
      } catch (e) {
        await storage.close();
        // Any failure of one copy (gone, refused, unreachable) is REMOTE: the next location is tried.
        if (e instanceof MetaError) throw new MetaError('REMOTE', e.message, { url }, { cause: e });
        throw e;
      }
      closeAfter = () => storage.close();
    } else {
      throw new MetaError('REMOTE', `cannot download ${url}: only file://, s3://, http:// and https:// locations are supported by meta follow`, { url });
    }
    try {
      for await (const chunk of body) {
        n += chunk.length;
        if (n > opts.size) {
          throw new MetaError('DIGEST_MISMATCH', `${url} has more than the recorded ${opts.size} bytes; refusing it`, { url, expectedSize: opts.size });
        }
        hash.update(chunk);
        await fh.write(chunk);
        opts.onProgress?.(n, opts.size);
      }
    } catch (e) {
      if (e instanceof MetaError) throw e;
      throw new MetaError('REMOTE', `download of ${url} failed: ${(e as Error).message}`, { url }, { cause: e });
    }
    const got = `sha256:${hash.digest('hex')}`;
    // A file:// or s3:// location is something of this host (or its credentials') that the server
    // named: its size and digest go into the log and the report sent to that server, so neither is said.
    if (!/^https?:/.test(url) && (n !== opts.size || got !== opts.digest)) throw new MetaError('DIGEST_MISMATCH', `${url} does not hold the recorded binary (size or sha-256 differ); refusing it`, { url });
    if (n !== opts.size) throw new MetaError('DIGEST_MISMATCH', `${url} has ${n} bytes, not the recorded ${opts.size}; refusing it`, { url, size: n, expectedSize: opts.size });
    if (got !== opts.digest) throw new MetaError('DIGEST_MISMATCH', `${url} has digest ${got}, not the recorded ${opts.digest}; refusing it`, { url, digest: got, expected: opts.digest });
    await fh.sync();
    ok = true;
    return tmp;
  } finally {
    await fh.close();
    await closeAfter?.();
    if (!ok) await fsp.rm(tmp, { force: true });
  }
}

/** sha-256 of a file as `sha256:<hex>`, or undefined when it does not exist. */
export async function fileDigest(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const c of createReadStream(path)) hash.update(c as Buffer);
  } catch {
    return undefined;
  }
  return `sha256:${hash.digest('hex')}`;
}

import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { MetaError } from '../errors/MetaError.js';
import { parseLocation, type StorageLocation } from './parseLocation.js';
import { presignS3Get } from './presignS3.js';
import { createS3Client, s3Endpoint, type S3Config } from './s3Client.js';
import { s3Error, scrubSecrets } from './storageError.js';

export interface BlobStorageOptions {
  s3?: S3Config;
  /** Parts of a multipart S3 upload (default 8 MiB); memory in use is about `partSize · queueSize`. */
  partSize?: number;
  /** Parts uploaded at once per upload (default 2). */
  queueSize?: number;
}

export interface TransferOptions {
  signal?: AbortSignal;
}

/** Only one byte of each this size is held per stream: copies run in constant memory. */
const CHUNK = 1 << 20;

/**
 * Reads and writes binaries at storage locations (`file://`, `s3://`, `http(s)://`), streaming:
 * no transfer holds more than a few chunks (or, for S3 multipart uploads, `partSize · queueSize`)
 * in memory, whatever the size of the binary. The S3 client is created on first use, so a
 * command that never touches S3 never loads the SDK.
 *
 * @example
 * const storage = new BlobStorage({ s3: { endpoint: 'http://127.0.0.1:9000' } });
 * await storage.write('s3://eu-builds/app/1.4.2', createReadStream('dist/app'), size);
 * for await (const chunk of await storage.read('s3://eu-builds/app/1.4.2')) hash.update(chunk);
 */
export class BlobStorage {
  private s3?: Promise<S3Client>;

  constructor(private readonly opts: BlobStorageOptions = {}) {}

  private client(): Promise<S3Client> {
    this.s3 ??= createS3Client(this.opts.s3 ?? {});
    // A failed creation (a bad endpoint) must not stick for the next call.
    this.s3.catch(() => (this.s3 = undefined));
    return this.s3;
  }

  /** Streams the bytes at `url`. NOT_FOUND when there is nothing there, REMOTE/AUTH/IO otherwise. */
  async read(url: string, o: TransferOptions = {}): Promise<Readable> {
    const loc = parseLocation(url);
    switch (loc.kind) {
      case 'file': {
        const fh = await fsp.open(loc.path, 'r').catch((e) => {
          throw fileError(e, loc, 'reading');
        });
        return fh.createReadStream({ highWaterMark: CHUNK, signal: o.signal });
      }
      case 'http': {
        let res: Response;
        try {
          res = await fetch(loc.url, { signal: o.signal, redirect: 'follow' });
        } catch (e) {
          throw new MetaError('REMOTE', `cannot read ${loc.url}: ${scrubSecrets((e as Error).message)}`, { url: loc.url });
        }
        if (res.status === 404) throw new MetaError('NOT_FOUND', `${loc.url} does not exist (HTTP 404)`, { url: loc.url, status: 404 });
        if (!res.ok || !res.body) throw new MetaError('REMOTE', `reading ${loc.url} answered HTTP ${res.status}`, { url: loc.url, status: res.status });
        return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      }
      case 's3': {
        const { GetObjectCommand } = await import('@aws-sdk/client-s3');
        const s3 = await this.client();
        try {
          const out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: o.signal });
          if (!(out.Body instanceof Readable)) throw new MetaError('REMOTE', `${loc.url}: the storage answered without a body`, { url: loc.url });
          return out.Body;
        } catch (e) {
          throw s3Error(e, loc.url, 'reading');
        }
      }
    }
  }

  /** The size of what is at `url`, or undefined when nothing is there. */
  async stat(url: string, o: TransferOptions = {}): Promise<{ size: number } | undefined> {
    const loc = parseLocation(url);
    switch (loc.kind) {
      case 'file': {
        try {
          const st = await fsp.stat(loc.path);
          if (!st.isFile()) throw new MetaError('IO', `${loc.url} is not a regular file`, { url: loc.url });
          return { size: st.size };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw fileError(e, loc, 'checking');
        }
      }
      case 'http': {
        let res: Response;
        try {
          res = await fetch(loc.url, { method: 'HEAD', signal: o.signal, redirect: 'follow' });
        } catch (e) {
          throw new MetaError('REMOTE', `cannot reach ${loc.url}: ${scrubSecrets((e as Error).message)}`, { url: loc.url });
        }
        if (res.status === 404 || res.status === 410) return undefined;
        if (!res.ok) throw new MetaError('REMOTE', `checking ${loc.url} answered HTTP ${res.status}`, { url: loc.url, status: res.status });
        const len = Number(res.headers.get('content-length'));
        return { size: Number.isSafeInteger(len) ? len : -1 };
      }
      case 's3': {
        const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
        const s3 = await this.client();
        try {
          const out = await s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: o.signal });
          return { size: out.ContentLength ?? -1 };
        } catch (e) {
          const m = s3Error(e, loc.url, 'checking');
          if (m.code === 'NOT_FOUND') return undefined;
          throw m;
        }
      }
    }
  }

  /**
   * Writes `body` (exactly `size` bytes) to `url`: a file is written beside its final name and
   * renamed into place, an S3 object goes up in one PUT or, when large, a multipart upload, and an
   * HTTP location takes a streamed PUT. Nothing is buffered whole.
   */
  async write(url: string, body: Readable, size: number, o: TransferOptions = {}): Promise<void> {
    const loc = parseLocation(url);
    switch (loc.kind) {
      case 'file': {
        const tmp = `${dirname(loc.path)}/.${randomBytes(6).toString('hex')}.part`;
        try {
          await fsp.mkdir(dirname(loc.path), { recursive: true });
          await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { signal: o.signal });
          await fsp.rename(tmp, loc.path);
        } catch (e) {
          await fsp.rm(tmp, { force: true }).catch(() => undefined);
          if (e instanceof MetaError) throw e;
          throw fileError(e, loc, 'writing');
        }
        return;
      }
      case 'http':
        return putHttp(loc.url, body, size, o.signal);
      case 's3': {
        const { Upload } = await import('@aws-sdk/lib-storage');
        const s3 = await this.client();
        const up = new Upload({
          client: s3,
          params: { Bucket: loc.bucket, Key: loc.key, Body: body, ContentType: 'application/octet-stream' },
          partSize: this.opts.partSize ?? 8 * 1024 * 1024,
          queueSize: this.opts.queueSize ?? 2,
          leavePartsOnError: false,
        });
        const abort = () => void up.abort().catch(() => undefined);
        o.signal?.addEventListener('abort', abort, { once: true });
        try {
          await up.done();
        } catch (e) {
          if (e instanceof MetaError) throw e;
          throw s3Error(e, loc.url, 'writing');
        } finally {
          o.signal?.removeEventListener('abort', abort);
        }
        return;
      }
    }
  }

  /** Removes what is at `url` (file or S3 object; an HTTP location is left to its server). */
  async remove(url: string): Promise<void> {
    const loc = parseLocation(url);
    if (loc.kind === 'file') await fsp.rm(loc.path, { force: true });
    else if (loc.kind === 's3') {
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      const s3 = await this.client();
      await s3.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key })).catch((e) => {
        throw s3Error(e, loc.url, 'removing');
      });
    }
  }

  /**
   * A URL a plain HTTP client can GET for `seconds`: a presigned URL for `s3://`, the URL itself
   * for `http(s)://`, undefined for `file://` (nothing outside this host can read it).
   */
  async presign(url: string, seconds: number): Promise<string | undefined> {
    const loc = parseLocation(url);
    if (loc.kind === 'http') return loc.url;
    if (loc.kind !== 's3') return undefined;
    const s3 = await this.client();
    try {
      const credentials = await s3.config.credentials();
      const region = await s3.config.region();
      return presignS3Get({ bucket: loc.bucket, key: loc.key, region, endpoint: s3Endpoint(this.opts.s3 ?? {}), credentials, expiresSeconds: seconds });
    } catch (e) {
      throw s3Error(e, loc.url, 'presigning');
    }
  }

  /** Closes the S3 client's sockets (a long-running server keeps one client). */
  async close(): Promise<void> {
    const s3 = this.s3;
    this.s3 = undefined;
    if (s3) (await s3.catch(() => undefined))?.destroy();
  }
}

function fileError(e: unknown, loc: StorageLocation, doing: string): MetaError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MetaError('NOT_FOUND', `${loc.url} does not exist`, { url: loc.url });
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code === 'ENOSPC' ? 'the disk is full' : code ?? 'failed';
  return new MetaError('IO', `${doing} ${loc.url}: ${why}`, { url: loc.url, errno: code });
}

/** A streamed PUT with a Content-Length, as static file servers and presigned URLs want. */
function putHttp(url: string, body: Readable, size: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'PUT', signal, headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
    });
    let done = false;
    const fail = (e: MetaError) => {
      if (done) return;
      done = true;
      body.destroy();
      req.destroy();
      reject(e);
    };
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => {
        if (done) return;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          done = true;
          resolve();
        } else fail(new MetaError('REMOTE', `writing ${url} answered HTTP ${status}`, { url, status }));
      });
    });
    req.on('error', (e) => fail(new MetaError('REMOTE', `cannot write ${url}: ${scrubSecrets(e.message)}`, { url })));
    body.on('error', (e) => fail(e instanceof MetaError ? e : new MetaError('IO', `reading the source for ${url} failed: ${e.message}`, { url })));
    body.pipe(req);
  });
}


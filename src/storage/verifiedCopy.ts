import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MetaError } from '../errors/MetaError.js';
import type { BlobStorage, TransferOptions } from './BlobStorage.js';
import { scrubSecrets } from './storageError.js';

/** What a copy must hold: the binary record's digest and size. */
export interface Expected {
  /** `sha256:<hex>` */
  digest: string;
  size: number;
}

/** A pass-through that hashes and counts, failing at the first byte beyond `cap`. */
export class DigestingStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly cap = Infinity, private readonly what = 'the source') {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cap) return cb(new MetaError('DIGEST_MISMATCH', `${this.what} has more than the recorded ${this.cap} bytes`, { expectedSize: this.cap }));
    this.hash.update(chunk);
    cb(null, chunk);
  }

  /** `sha256:<hex>` of everything that passed (call once, after the end). */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** sha-256 and size of what is at `url`, streamed. */
export async function digestAt(storage: BlobStorage, url: string, o: TransferOptions & { cap?: number } = {}): Promise<Expected> {
  const body = await storage.read(url, o);
  const hash = createHash('sha256');
  let size = 0;
  const cap = o.cap ?? Infinity;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > cap) throw new MetaError('DIGEST_MISMATCH', `${url} has more than the recorded ${cap} bytes`, { url, expectedSize: cap });
      hash.update(chunk);
    }
  } catch (e) {
    body.destroy();
    if (e instanceof MetaError) throw e;
    throw new MetaError('REMOTE', `reading ${url} failed: ${scrubSecrets((e as Error).message ?? String(e))}`, { url });
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** What checking one copy found. */
export type CopyCheck = { state: 'ok'; size: number } | { state: 'missing' } | { state: 'corrupt'; why: string; size: number; digest?: string };

/**
 * Checks the copy at `url` against the record: its size always, its sha-256 too when `deep`
 * (which reads it whole). Errors reaching the storage are thrown; a missing or different copy is
 * an answer.
 *
 * @example
 * const c = await checkCopy(storage, 's3://eu/app', { digest, size }, true); // { state: 'corrupt', why: 'digest …' }
 */
export async function checkCopy(storage: BlobStorage, url: string, want: Expected, deep: boolean, o: TransferOptions = {}): Promise<CopyCheck> {
  const st = await storage.stat(url, o);
  if (!st) return { state: 'missing' };
  if (st.size >= 0 && st.size !== want.size) return { state: 'corrupt', why: `holds ${st.size} bytes, not the recorded ${want.size}`, size: st.size };
  if (!deep) return { state: 'ok', size: st.size };
  let got: Expected;
  try {
    got = await digestAt(storage, url, { ...o, cap: want.size });
  } catch (e) {
    if (e instanceof MetaError && e.code === 'DIGEST_MISMATCH') return { state: 'corrupt', why: `holds more than the recorded ${want.size} bytes`, size: -1 };
    if (e instanceof MetaError && e.code === 'NOT_FOUND') return { state: 'missing' };
    throw e;
  }
  if (got.size !== want.size) return { state: 'corrupt', why: `holds ${got.size} bytes, not the recorded ${want.size}`, size: got.size, digest: got.digest };
  if (got.digest !== want.digest) return { state: 'corrupt', why: `has digest ${got.digest}, not the recorded ${want.digest}`, size: got.size, digest: got.digest };
  return { state: 'ok', size: got.size };
}

/**
 * Streams `body` to `to` while hashing it, then reads `to` back and hashes what landed: resolves
 * only when both equal `want` (when given) and each other. A copy whose source bytes were wrong
 * is removed again; one that landed wrong is reported as DIGEST_MISMATCH (a retry rewrites it).
 * Memory stays constant whatever the size.
 *
 * @example
 * await writeVerified(storage, createReadStream('dist/app'), 's3://eu/app', { digest, size });
 */
export async function writeVerified(storage: BlobStorage, body: Readable, to: string, want: Expected, o: TransferOptions = {}): Promise<void> {
  const d = new DigestingStream(want.size, 'the source');
  body.on('error', (e) => d.destroy(e));
  try {
    await storage.write(to, body.pipe(d), want.size, o);
  } catch (e) {
    // The destination gave up: the source (a file handle, a socket) must not stay open behind it.
    body.destroy();
    d.destroy();
    throw e;
  }
  const sent = d.digest();
  if (d.bytes !== want.size || sent !== want.digest) {
    await storage.remove(to).catch(() => undefined);
    throw new MetaError('DIGEST_MISMATCH', `the source did not hold the recorded bytes (${d.bytes} bytes, ${sent}); nothing was kept at ${to}`, { url: to, digest: sent, expected: want.digest });
  }
  const landed = await digestAt(storage, to, { ...o, cap: want.size + 1 });
  if (landed.size !== want.size || landed.digest !== want.digest) {
    throw new MetaError('DIGEST_MISMATCH', `${to} holds ${landed.size} bytes with digest ${landed.digest} after the copy, not the ${want.size} bytes with ${want.digest} sent`, { url: to, digest: landed.digest, expected: want.digest });
  }
}

/**
 * Copies the binary at `from` to `to`, streaming, and verifies the sha-256 of what landed.
 *
 * @example
 * await copyVerified(storage, 's3://us/app', 's3://eu/app', { digest, size });
 */
export async function copyVerified(storage: BlobStorage, from: string, to: string, want: Expected, o: TransferOptions = {}): Promise<void> {
  // A source is named by a record anyone with write access could have written (a host file, a
  // metadata endpoint, a private bucket): only bytes that already are the recorded binary leave
  // for the destination. They are read once, hashed into a private temporary file, and only that
  // file is sent: a second read could answer something else (an http source may redirect).
  // Stat first: a wrong size is refused without reading, and a file:// source that is no regular
  // file (a FIFO would block the open for ever) is refused without opening it.
  const st = await storage.stat(from, o);
  if (!st) throw new MetaError('NOT_FOUND', `${from} does not exist`, { url: from });
  if (st.size >= 0 && st.size !== want.size) throw mismatch(from);
  const dir = await mkdtemp(join(tmpdir(), 'meta-copy-'));
  try {
    const spool = join(dir, 'binary');
    let got: Expected;
    try {
      const body = await storage.read(from, o);
      const d = new DigestingStream(want.size, from);
      body.on('error', (e) => d.destroy(e));
      await pipeline(body, d, createWriteStream(spool, { mode: 0o600, flags: 'wx' }));
      got = { digest: d.digest(), size: d.bytes };
    } catch (e) {
      if (e instanceof MetaError && e.code !== 'DIGEST_MISMATCH') throw e;
      if (!(e instanceof MetaError)) throw new MetaError('REMOTE', `reading ${from} failed: ${(e as Error).message}`, { url: from });
      got = { digest: '', size: -1 };
    }
    if (got.size !== want.size || got.digest !== want.digest) throw mismatch(from);
    await writeVerified(storage, createReadStream(spool), to, want, o);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A source that is not the recorded binary, named without its size or digest: the failure
 * becomes a record every reader sees, and the source may be another secret of this host or its
 * network.
 */
function mismatch(from: string): MetaError {
  return new MetaError('DIGEST_MISMATCH', `${from} does not hold the recorded binary (size or sha-256 differ); not copying it`, { url: from });
}

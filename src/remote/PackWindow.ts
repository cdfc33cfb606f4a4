import { createHash } from 'node:crypto';
import { readAt, type SyncFs } from '../store/fs.js';

const WINDOW = 1 << 20;

/** The pack file being indexed: where it is (for messages), how to read it, and its size. */
export interface PackInput {
  fs: SyncFs;
  fd: number;
  path: string;
  size: number;
}

/**
 * Sequential reader over the file with a window that moves forward only. It refills one buffer in
 * place (grown only for an entry larger than the window): a fresh buffer per move left megabytes
 * of garbage for the collector to find late, which showed up as peak RSS. Views it returns are
 * valid until the next call. It hashes every byte before the trailer once, as the windows pass.
 *
 * @example
 * const win = new PackWindow({ fs, fd, path, size });
 * const head = win.at(0, 12);
 */
export class PackWindow {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  private store: Buffer = Buffer.allocUnsafe(WINDOW);
  private hashedTo = 0;
  private readonly hash = createHash('sha1');
  constructor(private readonly input: PackInput) {}

  /** Makes [pos, pos+len) available (clamped at the end of the file); returns it and what follows in the window. */
  at(pos: number, len: number): Buffer {
    const size = this.input.size;
    const end = Math.min(size, pos + len);
    if (pos < this.start || end > this.start + this.buf.length) {
      const n = Math.min(size - pos, Math.max(WINDOW, len));
      if (n > this.store.length) this.store = Buffer.allocUnsafe(n);
      this.buf = readAt(this.input.fs, this.input.fd, pos, n, this.store.subarray(0, n));
      this.start = pos;
      const hashEnd = Math.min(this.start + this.buf.length, size - 20);
      if (hashEnd > this.hashedTo) {
        this.hash.update(this.buf.subarray(this.hashedTo - this.start, hashEnd - this.start));
        this.hashedTo = hashEnd;
      }
    }
    return this.buf.subarray(pos - this.start);
  }

  /** Hashes what the windows never covered (the tail before the trailer). */
  finishHash(): Buffer {
    const size = this.input.size;
    if (this.hashedTo < size - 20) this.at(this.hashedTo, size - 20 - this.hashedTo + 20);
    return this.hash.digest();
  }
}

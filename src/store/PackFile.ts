import { constants as bufferConstants } from 'node:buffer';
import { MetaError } from '../errors/MetaError.js';
import { readAt, type SyncFs } from './fs.js';
import { inflateExact, InflateError } from './inflateExact.js';
import { PackEntryHeaderError, parsePackEntryHeader, type PackEntryHeader } from './packEntryHeader.js';
import { PackIndex } from './PackIndex.js';
import { LruCache } from '../util/LruCache.js';

const HASH_LEN = 20;
/** First read at an entry: covers the header and, for small records, the whole compressed body. */
const FIRST_READ = 4096;
/** The largest object a Buffer can hold, with the spare byte inflating needs. */
export const MAX_READ_SIZE = bufferConstants.MAX_LENGTH - 1;
/**
 * Block size and count of each pack's read cache (at most 8 MiB per pack). 16 KiB: a first read
 * walks a delta chain whose links lie far apart in the pack, so most of a larger block is copied
 * for nothing, while a history walk, reading the pack front to back, barely notices the extra
 * read calls.
 */
const BLOCK = 16 * 1024;
const MAX_BLOCKS = 512;

/** A parsed entry header, plus the bytes already read so small entries need no second read. */
export interface EntryHeader extends PackEntryHeader {
  /** Pack offset where the zlib stream starts. */
  dataStart: number;
  window: Buffer;
  windowStart: number;
}

/**
 * One `.idx`/`.pack` pair of a pack directory, both opened lazily: lookups go through its
 * {@link PackIndex}, entries are read from the pack with positioned reads through a small block
 * cache, and each entry is parsed (header, zlib stream) where it lies. Delta entries come back as
 * their delta: resolving chains is the pack set's work, since a base may be in another pack.
 *
 * @example
 * const pack = new PackFile(0, fs, `${dir}/pack-1.idx`, `${dir}/pack-1.pack`);
 * const hdr = pack.entryHeader(pack.index.offsetAt(0));
 * const bytes = pack.inflate(pack.index.offsetAt(0), hdr);
 */
export class PackFile {
  readonly index: PackIndex;
  private fd: number | undefined;
  /** End of entry data: the pack's size minus its 20-byte trailing checksum. */
  private dataEnd = 0;
  /** Recently read blocks of the pack by block number. */
  private readonly blocks = new LruCache<number, Buffer>(MAX_BLOCKS);

  constructor(
    /** Small and unique among the set's open packs; keys the delta-base cache. */
    readonly id: number,
    private readonly fs: SyncFs,
    readonly idxPath: string,
    readonly packPath: string,
    wholeIdxMax?: number,
  ) {
    this.index = new PackIndex(fs, idxPath, packPath, wholeIdxMax);
  }

  /**
   * Opens the pack on first use and checks what is cheap to check: the header, the object count
   * against the idx, and that the pack's trailing checksum is the one the idx was built for.
   * The whole-pack checksum is deliberately not recomputed (that is the cost being avoided).
   */
  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const count = this.index.count;
    const fd = this.fs.openSync(this.packPath, 'r');
    try {
      const fileSize = this.fs.fstatSync ? this.fs.fstatSync(fd).size : this.fs.statSync(this.packPath).size;
      if (fileSize < 12 + HASH_LEN) throw this.corrupt(0, `pack file too short (${fileSize} bytes)`);
      const head = readAt(this.fs, fd, 0, 12);
      if (head.toString('latin1', 0, 4) !== 'PACK') throw this.corrupt(0, 'bad pack signature');
      const version = head.readUInt32BE(4);
      if (version !== 2 && version !== 3) throw this.corrupt(0, `unsupported pack version ${version}`);
      const n = head.readUInt32BE(8);
      if (n !== count) {
        throw new MetaError('INTEGRITY', `pack ${this.packPath} holds ${n} objects but its idx lists ${count}`, {
          pack: this.packPath,
        });
      }
      const trailer = readAt(this.fs, fd, fileSize - HASH_LEN, HASH_LEN);
      const expected = this.index.packChecksum();
      if (!trailer.equals(expected)) {
        throw new MetaError('INTEGRITY', `pack ${this.packPath} does not match its idx (trailing checksum differs)`, {
          pack: this.packPath,
        });
      }
      this.dataEnd = fileSize - HASH_LEN;
    } catch (e) {
      this.fs.closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return fd;
  }

  /**
   * Up to `len` bytes of entry data at `pos`, never past the trailing checksum. Reads of up to a
   * block are served from cached blocks: neighbouring entries (a delta chain, the trees of one
   * commit) usually share a block, so a warm reader makes one `readSync` per block instead of
   * one per entry; a read across a block boundary joins the two. The result may be a view into a
   * cached block: callers only read it.
   */
  read(pos: number, len: number): Buffer {
    const fd = this.open();
    const n = Math.max(0, Math.min(len, this.dataEnd - pos));
    if (n === 0 || n > BLOCK) return readAt(this.fs, fd, pos, n);
    const first = Math.floor(pos / BLOCK);
    const at = pos - first * BLOCK;
    const block = this.block(fd, first);
    if (at + n <= block.length) return block.subarray(at, at + n);
    return Buffer.concat([block.subarray(at), this.block(fd, first + 1).subarray(0, at + n - block.length)]);
  }

  private block(fd: number, k: number): Buffer {
    let block = this.blocks.get(k);
    if (!block) {
      const start = k * BLOCK;
      block = readAt(this.fs, fd, start, Math.min(BLOCK, this.dataEnd - start));
      this.blocks.set(k, block);
    }
    return block;
  }

  /** Whether a read window ending at `end` already reaches the end of the pack's entry data. */
  reachesEnd(end: number): boolean {
    this.open();
    return end >= this.dataEnd;
  }

  /** Entry offsets must land inside the data area; anything else is a corrupt idx or delta. */
  checkOffset(offset: number): void {
    this.open();
    if (offset < 12 || offset >= this.dataEnd) throw this.corrupt(offset, 'entry offset outside the pack');
  }

  corrupt(offset: number, why: string, cause?: unknown): MetaError {
    return new MetaError(
      'CORRUPT_RECORD',
      `corrupt pack ${this.packPath} at offset ${offset}: ${why}; run \`git fsck\``,
      { pack: this.packPath, offset },
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * The header of the entry at `offset`, plus the bytes already read with it, so that a small
   * entry needs no second read.
   */
  entryHeader(offset: number): EntryHeader {
    this.checkOffset(offset);
    const window = this.read(offset, FIRST_READ);
    let h: PackEntryHeader;
    try {
      h = parsePackEntryHeader(window, offset);
    } catch (e) {
      if (e instanceof PackEntryHeaderError) throw this.corrupt(offset, e.reason);
      throw e;
    }
    // One object of one shape per entry (no spread copy): entries are parsed on every read.
    return { type: h.type, size: h.size, length: h.length, baseOffset: h.baseOffset, baseOid: h.baseOid, dataStart: offset + h.length, window, windowStart: offset };
  }

  /**
   * Inflates the entry's zlib stream from a bounded window: declared size plus deflate's worst
   * case overhead. Trailing bytes of the next entries are ignored by zlib; a stream longer than
   * the window (a legal but unusual encoder) shows up as truncated input, and we read twice as
   * much and retry.
   */
  inflate(offset: number, hdr: EntryHeader): Buffer {
    if (hdr.size > MAX_READ_SIZE) throw this.corrupt(offset, `entry declares ${hdr.size} bytes, more than can be read`);
    let want = hdr.size + (hdr.size >>> 8) + 64;
    const skip = hdr.dataStart - hdr.windowStart;
    let input: Buffer =
      hdr.window.length - skip >= want || this.reachesEnd(hdr.windowStart + hdr.window.length)
        ? hdr.window.subarray(skip)
        : this.read(hdr.dataStart, want);
    for (;;) {
      try {
        return inflateExact(input, hdr.size).data;
      } catch (e) {
        if (!(e instanceof InflateError)) throw e;
        if (e.reason === 'truncated' && !this.reachesEnd(hdr.dataStart + input.length)) {
          want = Math.max(want, input.length) * 2;
          input = this.read(hdr.dataStart, want);
          continue;
        }
        throw this.corrupt(offset, e.message, e);
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      this.fs.closeSync(fd);
    }
    this.index.close();
    this.blocks.clear();
  }
}

import * as nodeFs from 'node:fs';
import { createHash, hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { MetaError } from '../errors/MetaError.js';
import { applyDelta, deltaSizes, MAX_DELTA_CHAIN } from '../store/packDelta.js';
import { inflateExact, InflateError, type Inflated } from '../store/inflateExact.js';
import { writeIdx } from '../store/packIdx.js';
import { fsyncDir, type SyncFs } from '../store/fs.js';

/**
 * Our `git index-pack`: indexes a received pack file and writes its v2 `.idx`, without holding
 * the pack in memory (isomorphic-git read the whole pack into memory and indexed it slowly).
 *
 * Pass 1 walks the entries in order through a sliding read window: parses each header, inflates
 * to learn where the entry ends (zlib reports the compressed bytes it consumed), hashes whole
 * objects, and notes each delta's base. Pass 2 resolves deltas depth-first from every whole
 * object, re-reading bases from the file with positioned reads, so memory holds one delta chain
 * at a time plus (within a budget) the small inflated deltas themselves.
 *
 * The pack comes from a remote, so everything it could make us spend is bounded (see
 * {@link IndexPackLimits}): the object count against the file size, each declared size (of an
 * entry, and of a delta's result) before anything is allocated for it, the bytes inflated in all,
 * the bytes a delta chain holds at once, and the chain depth. Pass 2 walks with an explicit stack:
 * a chain thousands deep costs heap, never the call stack.
 */

const TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;
const WINDOW = 1 << 20;
/** Inflated deltas kept from pass 1 up to this many bytes; beyond, pass 2 inflates them again (cheap with the reused zlib handle, and peak RSS is what a clone is short of). */
const DELTA_BUDGET = 8 << 20;
const DELTA_CHUNK = 1 << 20;
/** The smallest entry: a one-byte header and the shortest zlib stream (2 header, 2 data, 4 checksum bytes). */
const MIN_ENTRY = 9;

/** What a received pack may make the indexer spend; each one exceeded is a `REMOTE` error. */
export interface IndexPackLimits {
  /** Largest declared size of one object, delta or delta result (default 256 MiB). */
  maxObjectSize?: number;
  /** Most objects in one pack (default 2^26), besides what the file size allows. */
  maxObjects?: number;
  /** Bytes inflated and reconstructed in all (default the larger of 4 GiB and 1024 times the pack size). */
  maxInflated?: number;
  /** Bytes the bases of the delta chain being resolved may hold at once (default 1 GiB). */
  maxHeld?: number;
}

/** Defaults of {@link IndexPackLimits}. Records are a few KiB: these leave git-made packs of any meta repository far inside. */
export const INDEX_PACK_LIMITS = {
  maxObjectSize: 256 * 1024 * 1024,
  maxObjects: 1 << 26,
  minInflated: 4 * 1024 ** 3,
  inflatedPerPackByte: 1024,
  maxHeld: 1024 ** 3,
} as const;

export interface IndexedPack {
  /** Hex SHA-1 of the pack (its trailer): the `pack-<id>.pack` name. */
  id: string;
  count: number;
  /** Object ids in pack order (20 bytes each), with their offsets and CRC32s. */
  oids: Buffer;
  offsets: Float64Array;
  crcs: Uint32Array;
  /** The `.idx` file contents (v2). */
  idx: Buffer;
}

function corrupt(path: string, why: string, data: Record<string, unknown> = {}): MetaError {
  return new MetaError('REMOTE', `received pack ${path} is corrupt: ${why}; fetch again`, { path, ...data });
}

function tooBig(why: string, limit: string): MetaError {
  return new MetaError('REMOTE', `the received pack was refused: ${why}, over the limit of ${limit}; check the remote URL (a meta repository never sends this)`, { limit });
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB` : `${n} bytes`;
}

/**
 * Sequential reader over the file with a window that moves forward only. It refills one buffer in
 * place (grown only for an entry larger than the window): a fresh buffer per move left megabytes
 * of garbage for the collector to find late, which showed up as peak RSS. Views it returns are
 * valid until the next call.
 */
class Window {
  buf = Buffer.alloc(0);
  start = 0;
  private store = Buffer.allocUnsafe(WINDOW);
  private hashedTo = 0;
  constructor(private readonly fd: number, readonly size: number, private readonly hash: ReturnType<typeof createHash>) {}

  /** Makes [pos, pos+len) available (clamped at the end of the file); returns it and what follows in the window. */
  at(pos: number, len: number): Buffer {
    const end = Math.min(this.size, pos + len);
    if (pos < this.start || end > this.start + this.buf.length) {
      const n = Math.min(this.size - pos, Math.max(WINDOW, len));
      if (n > this.store.length) this.store = Buffer.allocUnsafe(n);
      const b = this.store;
      let got = 0;
      while (got < n) {
        const r = nodeFs.readSync(this.fd, b, got, n - got, pos + got);
        if (r === 0) break;
        got += r;
      }
      this.buf = b.subarray(0, got);
      this.start = pos;
      // The trailer covers every byte before it: hash what this window adds, once.
      const hashEnd = Math.min(this.start + this.buf.length, this.size - 20);
      if (hashEnd > this.hashedTo) {
        this.hash.update(this.buf.subarray(this.hashedTo - this.start, hashEnd - this.start));
        this.hashedTo = hashEnd;
      }
    }
    return this.buf.subarray(pos - this.start);
  }

  /** Hashes what the windows never covered (the tail before the trailer). */
  finishHash(): Buffer {
    if (this.hashedTo < this.size - 20) this.at(this.hashedTo, this.size - 20 - this.hashedTo + 20);
    return this.hash.digest();
  }
}

/** A buffer reused for short-lived data, grown on demand. */
class Scratch {
  private buf = Buffer.allocUnsafe(64 << 10);
  get(len: number): Buffer {
    if (len > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(len, this.buf.length * 2));
    return this.buf.subarray(0, len);
  }
}

function readFull(fd: number, pos: number, len: number, into?: Scratch): Buffer {
  const b = into ? into.get(len) : Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const r = nodeFs.readSync(fd, b, got, len - got, pos + got);
    if (r === 0) break;
    got += r;
  }
  return b.subarray(0, got);
}

/** Parses an entry header at `b[0..]`: type, size, header length, and the delta base reference. */
function parseHeader(b: Buffer, pos: number, path: string): { type: number; size: number; hlen: number; baseOfs?: number; baseOid?: string } {
  let i = 0;
  let c = b[i++]!;
  const type = (c >> 4) & 7;
  let size = c & 15;
  let scale = 16;
  while (c & 0x80) {
    if (i >= b.length) throw corrupt(path, `truncated entry header at offset ${pos}`);
    c = b[i++]!;
    size += (c & 0x7f) * scale;
    scale *= 128;
    if (scale > 2 ** 53) throw corrupt(path, `entry size header too long at offset ${pos}`);
  }
  if (type === OFS_DELTA) {
    if (i >= b.length) throw corrupt(path, `truncated delta base at offset ${pos}`);
    c = b[i++]!;
    let rel = c & 0x7f;
    while (c & 0x80) {
      if (i >= b.length || rel > 2 ** 46) throw corrupt(path, `delta base offset too long at offset ${pos}`);
      c = b[i++]!;
      rel = (rel + 1) * 128 + (c & 0x7f);
    }
    if (rel <= 0 || rel > pos) throw corrupt(path, `delta at offset ${pos} points outside the pack`);
    return { type, size, hlen: i, baseOfs: pos - rel };
  }
  if (type === REF_DELTA) {
    if (i + 20 > b.length) throw corrupt(path, `truncated delta base at offset ${pos}`);
    return { type, size, hlen: i + 20, baseOid: b.toString('hex', i, i + 20) };
  }
  if (type < 1 || type > 4) throw corrupt(path, `unknown object type ${type} at offset ${pos}`);
  return { type, size, hlen: i };
}

/** Hashes an object into slot `k` of the binary id table. */
function objectId(type: number, data: Uint8Array, scratch: Scratch, oids: Buffer, k: number): void {
  // One-shot hashing of header + data (in a reused buffer) is cheaper than a Hash object per object.
  const head = `${TYPES[type]} ${data.length}\0`;
  const buf = scratch.get(head.length + data.length);
  buf.write(head, 0, 'latin1');
  buf.set(data, head.length);
  hash('sha1', buf, 'buffer').copy(oids, k * 20);
}

/** The entry among the first `k` that starts at `ofs` (a delta's base precedes it), or -1. */
function entryBefore(offsets: Float64Array, k: number, ofs: number): number {
  let lo = 0;
  let hi = k - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = offsets[mid]!;
    if (v === ofs) return mid;
    if (v < ofs) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** One base being resolved in pass 2: its children are applied to `data` one after the other. */
interface Frame {
  k: number;
  data: Uint8Array;
  /** Next child to resolve, counting the offset-delta children first, then `byRef`. */
  next: number;
  count: number;
  byRef: number[] | undefined;
}

/**
 * Indexes the pack at `packPath` and returns its id, entries and `.idx` bytes (nothing written).
 * Every delta must have its base in the pack (we never ask for thin packs). `deltaBudget` bounds
 * the inflated deltas kept between the passes (default 8 MiB); the rest are inflated again.
 * `limits` bound what the pack may make us allocate and compute (see {@link IndexPackLimits}).
 */
export function indexPack(packPath: string, opts: { deltaBudget?: number } & IndexPackLimits = {}): IndexedPack {
  // Kept deltas are addressed by an int32 (chunk number · chunk size + offset): at most 1 GiB.
  const budget = Math.min(opts.deltaBudget ?? DELTA_BUDGET, 1 << 30);
  // A Buffer holds at most MAX_LENGTH bytes, and inflating needs one spare.
  const maxObject = Math.min(opts.maxObjectSize ?? INDEX_PACK_LIMITS.maxObjectSize, 0xffffffff - 1);
  const maxHeld = opts.maxHeld ?? INDEX_PACK_LIMITS.maxHeld;
  const fd = nodeFs.openSync(packPath, 'r');
  // Short-lived data (inflated entries before hashing, compressed input, hash input) in reused buffers.
  const outScratch = new Scratch();
  const inScratch = new Scratch();
  const hashScratch = new Scratch();
  try {
    const size = nodeFs.fstatSync(fd).size;
    if (size < 32) throw corrupt(packPath, `only ${size} bytes`);
    const win = new Window(fd, size, createHash('sha1'));
    const head = win.at(0, 12);
    if (head.toString('latin1', 0, 4) !== 'PACK' || (head.readUInt32BE(4) !== 2 && head.readUInt32BE(4) !== 3)) throw corrupt(packPath, 'no PACK v2/v3 header');
    const n = head.readUInt32BE(8);
    // The tables below cost ~50 bytes per object: a count no file of this size can hold is refused
    // before they are allocated.
    if (n > (size - 32) / MIN_ENTRY) throw corrupt(packPath, `header says ${n} objects, more than ${size} bytes can hold`);
    const maxObjects = opts.maxObjects ?? INDEX_PACK_LIMITS.maxObjects;
    if (n > maxObjects) throw tooBig(`it holds ${n} objects`, `${maxObjects} objects`);
    const maxInflated = opts.maxInflated ?? Math.max(INDEX_PACK_LIMITS.minInflated, size * INDEX_PACK_LIMITS.inflatedPerPackByte);
    let inflatedTotal = 0;
    const spend = (bytes: number): void => {
      inflatedTotal += bytes;
      if (inflatedTotal > maxInflated) throw tooBig(`its objects inflate to more than ${mib(maxInflated)}`, mib(maxInflated));
    };
    // Typed arrays, as narrow as the values allow, not maps and arrays of objects: a 100k-record
    // pack has ~1M entries, and these tables are most of a clone's peak memory.
    const offsets = new Float64Array(n + 1); // offsets[n] is the trailer: entry k ends at offsets[k + 1]
    const hlens = new Uint8Array(n); // entry header length: the data starts at offsets[k] + hlens[k]
    const baseIdx = new Int32Array(n).fill(-1); // an ofs-delta's base entry
    const types = new Uint8Array(n);
    const sizes = new Uint32Array(n);
    const crcs = new Uint32Array(n);
    // Ids as 20 bytes each, not 40-character strings: ~1M long-lived strings grew the heap by tens of MB.
    const oids = Buffer.alloc(n * 20);
    const known = new Uint8Array(n);
    const hex = (k: number): string => oids.toString('hex', k * 20, k * 20 + 20);
    const refChildren = new Map<string, number[]>();
    // Inflated deltas are copied into large chunks (no per-delta Buffer object), up to the budget.
    const chunks: Buffer[] = [];
    const keptAt = new Int32Array(n).fill(-1); // chunk number * DELTA_CHUNK + offset in it
    let chunkUsed = DELTA_CHUNK;
    let kept = 0;
    let pos = 12;
    const end = size - 20;
    for (let k = 0; k < n; k++) {
      if (pos >= end) throw corrupt(packPath, `header says ${n} objects, data ends after ${k}`);
      const h = parseHeader(win.at(pos, 32), pos, packPath);
      // Refused before the inflate buffer is allocated: a header costs the sender one byte per 7 bits.
      if (h.size > maxObject) throw tooBig(`the entry at offset ${pos} declares ${h.size} bytes`, mib(maxObject));
      spend(h.size);
      const dataStart = pos + h.hlen;
      let inflated: Inflated | undefined;
      // Guess the window the compressed entry needs; grow it if zlib runs out of input.
      for (let want = Math.max(h.size + 64, 4096); ; want *= 2) {
        try {
          inflated = inflateExact(win.at(dataStart, want).subarray(0, Math.min(end, win.start + win.buf.length) - dataStart), h.size, { out: outScratch.get(h.size + 1) });
          break;
        } catch (e) {
          if (!(e instanceof InflateError)) throw e;
          if (e.reason !== 'truncated' || win.start + win.buf.length >= end) throw corrupt(packPath, `entry at offset ${pos}: ${e.message}`);
        }
      }
      const next = dataStart + inflated.used;
      crcs[k] = crc32(win.at(pos, next - pos).subarray(0, next - pos));
      offsets[k] = pos;
      hlens[k] = h.hlen;
      types[k] = h.type;
      sizes[k] = h.size;
      if (h.type === OFS_DELTA || h.type === REF_DELTA) {
        if (h.baseOfs !== undefined) {
          const b = entryBefore(offsets, k, h.baseOfs);
          if (b < 0) throw corrupt(packPath, `the delta at offset ${pos} names a base at ${h.baseOfs}, where no entry starts`);
          baseIdx[k] = b;
        } else {
          const list = refChildren.get(h.baseOid!);
          if (list) list.push(k);
          else refChildren.set(h.baseOid!, [k]);
        }
        const len = inflated.data.length;
        if (kept + len <= budget && len <= DELTA_CHUNK) {
          if (chunkUsed + len > DELTA_CHUNK) {
            chunks.push(Buffer.allocUnsafe(Math.min(DELTA_CHUNK, budget - kept)));
            chunkUsed = 0;
          }
          const chunk = chunks[chunks.length - 1]!;
          if (chunkUsed + len <= chunk.length) {
            inflated.data.copy(chunk, chunkUsed);
            keptAt[k] = (chunks.length - 1) * DELTA_CHUNK + chunkUsed;
            chunkUsed += len;
            kept += len;
          }
        }
      } else {
        objectId(h.type, inflated.data, hashScratch, oids, k);
        known[k] = 1;
      }
      pos = next;
    }
    if (pos !== end) throw corrupt(packPath, `${end - pos} stray bytes after the last object`);
    offsets[n] = end;
    const digest = win.finishHash();
    const trailer = readFull(fd, end, 20);
    if (!digest.equals(trailer)) throw corrupt(packPath, 'checksum mismatch');

    // Children of each entry, as one list grouped by base with start indexes (entries are in offset order).
    const first = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) if (baseIdx[k]! >= 0) first[baseIdx[k]! + 1]!++;
    for (let k = 0; k < n; k++) first[k + 1]! += first[k]!;
    const kidsOf = new Int32Array(first[n]!);
    {
      const fill = first.slice(0, n);
      for (let k = 0; k < n; k++) if (baseIdx[k]! >= 0) kidsOf[fill[baseIdx[k]!]!++] = k;
    }

    // Pass 2: resolve deltas from each whole object, depth-first.
    // A base stays alive while its chain resolves, so it gets its own buffer; a delta is used once.
    const inflateEntry = (k: number, into?: Scratch): Buffer => {
      const start = offsets[k]! + hlens[k]!;
      const size = sizes[k]!;
      try {
        return inflateExact(readFull(fd, start, offsets[k + 1]! - start, inScratch), size, { out: into?.get(size + 1) }).data;
      } catch (e) {
        if (e instanceof InflateError) throw corrupt(packPath, `entry at offset ${offsets[k]}: ${e.message}`);
        throw e;
      }
    };
    const deltaOf = (k: number): Uint8Array => {
      const at = keptAt[k]!;
      if (at < 0) return inflateEntry(k, outScratch);
      const c = Math.floor(at / DELTA_CHUNK);
      const o = at - c * DELTA_CHUNK;
      return chunks[c]!.subarray(o, o + sizes[k]!);
    };
    /** A frame for `k` when it has delta children (ofs ones from the shared list, then ref ones), else undefined. */
    const frameFor = (k: number, data: Uint8Array): Frame | undefined => {
      let byRef: number[] | undefined;
      if (refChildren.size) {
        const id = hex(k);
        byRef = refChildren.get(id);
        refChildren.delete(id);
      }
      const count = first[k + 1]! - first[k]! + (byRef?.length ?? 0);
      return count === 0 ? undefined : { k, data, next: 0, count, byRef };
    };
    // Depth-first with an explicit stack: the call stack is no bound a hostile chain must respect.
    // `held` counts the bytes the frames' bases keep alive.
    const resolveFrom = (root: number, type: number, rootData: Uint8Array): void => {
      const top = frameFor(root, rootData);
      if (!top) return;
      const stack: Frame[] = [top];
      let held = rootData.length;
      while (stack.length > 0) {
        const f = stack[stack.length - 1]!;
        if (f.next >= f.count) {
          stack.pop();
          held -= f.data.length;
          continue;
        }
        const i = f.next++;
        const from = first[f.k]!;
        const ofsCount = first[f.k + 1]! - from;
        const c = i < ofsCount ? kidsOf[from + i]! : f.byRef![i - ofsCount]!;
        const delta = deltaOf(c);
        let out: Uint8Array;
        try {
          const target = deltaSizes(delta).target;
          if (target > maxObject) throw tooBig(`the delta at offset ${offsets[c]} declares a ${target}-byte result`, mib(maxObject));
          spend(target);
          out = applyDelta(f.data, delta, maxObject);
        } catch (e) {
          if (e instanceof MetaError && e.code === 'REMOTE') throw e;
          throw corrupt(packPath, `delta at offset ${offsets[c]}: ${(e as Error).message}`);
        }
        objectId(type, out, hashScratch, oids, c);
        known[c] = 1;
        const child = frameFor(c, out);
        if (!child) continue;
        if (stack.length >= MAX_DELTA_CHAIN) throw tooBig(`a delta chain is more than ${MAX_DELTA_CHAIN} deep`, `${MAX_DELTA_CHAIN} deltas`);
        held += out.length;
        if (held > maxHeld) throw tooBig(`a delta chain holds more than ${mib(maxHeld)} of bases at once`, mib(maxHeld));
        stack.push(child);
      }
    };
    for (let k = 0; k < n; k++) {
      const t = types[k]!;
      if (t === OFS_DELTA || t === REF_DELTA) continue;
      if (first[k] === first[k + 1] && !(refChildren.size && refChildren.has(hex(k)))) continue;
      spend(sizes[k]!);
      resolveFrom(k, t, inflateEntry(k));
    }
    for (let k = 0; k < n; k++) {
      if (!known[k]) throw corrupt(packPath, `the delta at offset ${offsets[k]} has no base in the pack (a thin pack?)`);
    }
    const entryOffsets = offsets.subarray(0, n);
    return { id: trailer.toString('hex'), count: n, oids, offsets: entryOffsets, crcs, idx: writeIdx(oids, entryOffsets, crcs, trailer) };
  } finally {
    nodeFs.closeSync(fd);
  }
}

function syncFile(path: string): void {
  const fd = nodeFs.openSync(path, 'r');
  try {
    nodeFs.fsyncSync(fd);
  } finally {
    nodeFs.closeSync(fd);
  }
}

/**
 * Indexes `tmpPack` (a file in `packDir`) and moves it into place as `pack-<id>.pack` with its
 * `.idx`, the idx last, as git does: a reader listing `*.idx` never sees a pack without its data.
 * Returns the pack id and object count.
 */
export function installPack(packDir: string, tmpPack: string, limits: IndexPackLimits = {}): { id: string; objects: number } {
  const indexed = indexPack(tmpPack, limits);
  const tmpIdx = `${packDir}/tmp_idx_${process.pid}_${indexed.id.slice(0, 12)}`;
  try {
    nodeFs.writeFileSync(tmpIdx, indexed.idx, { mode: 0o444 });
    // Durable before any ref can point into it (git's core.fsync default does the same for packs):
    // the ref update that follows is fsynced, and must never name objects a power cut could lose.
    syncFile(tmpPack);
    syncFile(tmpIdx);
    nodeFs.chmodSync(tmpPack, 0o444);
    nodeFs.renameSync(tmpPack, `${packDir}/pack-${indexed.id}.pack`);
    nodeFs.renameSync(tmpIdx, `${packDir}/pack-${indexed.id}.idx`);
    fsyncDir(nodeFs as unknown as SyncFs, packDir);
  } catch (e) {
    nodeFs.rmSync(tmpIdx, { force: true });
    throw e;
  }
  return { id: indexed.id, objects: indexed.count };
}

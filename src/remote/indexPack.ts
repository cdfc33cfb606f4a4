import { crc32 } from 'node:zlib';
import { MetaError } from '../errors/MetaError.js';
import { readAt, type SyncFs } from '../store/fs.js';
import { objectIdBytes } from '../store/gitObjects.js';
import { inflateExact, InflateError, type Inflated } from '../store/inflateExact.js';
import { installPackFiles } from '../store/installPackFiles.js';
import { applyDelta, deltaSizes, MAX_DELTA_CHAIN } from '../store/packDelta.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, PACK_TYPE_NAMES, PackEntryHeaderError, parsePackEntryHeader, type PackEntryHeader } from '../store/packEntryHeader.js';
import { writeIdx } from '../store/packIdx.js';
import { KeptDeltas } from './KeptDeltas.js';
import { PackWindow, type PackInput } from './PackWindow.js';

/**
 * Our `git index-pack`: indexes a received pack file and writes its v2 `.idx`, without holding
 * the pack in memory, so a large clone or fetch needs memory for its window, not for the pack.
 *
 * Pass 1 ({@link scanEntries}) walks the entries in order through a sliding read window: parses
 * each header, inflates to learn where the entry ends (zlib reports the compressed bytes it
 * consumed), hashes whole objects, and notes each delta's base. Pass 2 ({@link resolveDeltas})
 * resolves deltas depth-first from every whole object, re-reading bases from the file with
 * positioned reads, so memory holds one delta chain at a time plus (within a budget) the small
 * inflated deltas themselves.
 *
 * The pack comes from a remote, so everything it could make us spend is bounded (see
 * {@link IndexPackLimits}): the object count against the file size, each declared size (of an
 * entry, and of a delta's result) before anything is allocated for it, the bytes inflated in all,
 * the bytes a delta chain holds at once, and the chain depth. Pass 2 walks with an explicit stack:
 * a chain thousands deep costs heap, never the call stack.
 */

/** Inflated deltas kept from pass 1 up to this many bytes; beyond, pass 2 inflates them again (cheap with the reused zlib handle, and peak RSS is what a clone is short of). */
const DELTA_BUDGET = 8 << 20;
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

/** The limits in effect, and the running count of bytes inflated against `maxInflated`. */
class Budget {
  readonly maxObject: number;
  readonly maxHeld: number;
  readonly maxObjects: number;
  private readonly maxInflated: number;
  private inflated = 0;

  constructor(opts: IndexPackLimits, packSize: number) {
    // A Buffer holds at most MAX_LENGTH bytes, and inflating needs one spare.
    this.maxObject = Math.min(opts.maxObjectSize ?? INDEX_PACK_LIMITS.maxObjectSize, 0xffffffff - 1);
    this.maxHeld = opts.maxHeld ?? INDEX_PACK_LIMITS.maxHeld;
    this.maxObjects = opts.maxObjects ?? INDEX_PACK_LIMITS.maxObjects;
    this.maxInflated = opts.maxInflated ?? Math.max(INDEX_PACK_LIMITS.minInflated, packSize * INDEX_PACK_LIMITS.inflatedPerPackByte);
  }

  spend(bytes: number): void {
    this.inflated += bytes;
    if (this.inflated > this.maxInflated) throw tooBig(`its objects inflate to more than ${mib(this.maxInflated)}`, mib(this.maxInflated));
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

/**
 * What pass 1 learns per entry, in typed arrays as narrow as the values allow, not maps and arrays
 * of objects: a 100k-record pack has ~1M entries, and these tables are most of a clone's peak memory.
 */
interface Entries {
  n: number;
  /** offsets[n] is the trailer: entry k ends at offsets[k + 1]. */
  offsets: Float64Array;
  /** Entry header length: the data starts at offsets[k] + hlens[k]. */
  hlens: Uint8Array;
  /** An ofs-delta's base entry, else -1. */
  baseIdx: Int32Array;
  types: Uint8Array;
  sizes: Uint32Array;
  crcs: Uint32Array;
  /** Ids as 20 bytes each, not 40-character strings: ~1M long-lived strings grew the heap by tens of MB. */
  oids: Buffer;
  /** 1 once the entry's id is known (every whole object after pass 1, the deltas in pass 2). */
  known: Uint8Array;
  /** REF_DELTA entries by base id. */
  refChildren: Map<string, number[]>;
  kept: KeptDeltas;
  trailer: Buffer;
}

/**
 * Indexes the pack at `packPath` and returns its id, entries and `.idx` bytes (nothing written).
 * Every delta must have its base in the pack (we never ask for thin packs). `deltaBudget` bounds
 * the inflated deltas kept between the passes (default 8 MiB); the rest are inflated again.
 * `limits` bound what the pack may make us allocate and compute (see {@link IndexPackLimits}).
 *
 * @example
 * const { id, idx } = indexPack(fs, `${packDir}/tmp_pack_1234`);
 */
export function indexPack(fs: SyncFs, packPath: string, opts: { deltaBudget?: number } & IndexPackLimits = {}): IndexedPack {
  const fd = fs.openSync(packPath, 'r');
  try {
    const size = fs.fstatSync ? fs.fstatSync(fd).size : fs.statSync(packPath).size;
    const input: PackInput = { fs, fd, path: packPath, size };
    if (size < 32) throw corrupt(packPath, `only ${size} bytes`);
    const budget = new Budget(opts, size);
    const win = new PackWindow(input);
    const n = readPackHeader(win, input, budget);
    const e = scanEntries(input, win, n, budget, opts.deltaBudget ?? DELTA_BUDGET);
    resolveDeltas(input, e, budget);
    for (let k = 0; k < n; k++) {
      if (!e.known[k]) throw corrupt(packPath, `the delta at offset ${e.offsets[k]} has no base in the pack (a thin pack?)`);
    }
    const entryOffsets = e.offsets.subarray(0, n);
    return { id: e.trailer.toString('hex'), count: n, oids: e.oids, offsets: entryOffsets, crcs: e.crcs, idx: writeIdx(e.oids, entryOffsets, e.crcs, e.trailer) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The `PACK` header's object count, refused when no file of this size can hold that many. */
function readPackHeader(win: PackWindow, input: PackInput, budget: Budget): number {
  const head = win.at(0, 12);
  if (head.toString('latin1', 0, 4) !== 'PACK' || (head.readUInt32BE(4) !== 2 && head.readUInt32BE(4) !== 3)) throw corrupt(input.path, 'no PACK v2/v3 header');
  const n = head.readUInt32BE(8);
  // The tables cost ~50 bytes per object: a count no file of this size can hold is refused before they are allocated.
  if (n > (input.size - 32) / MIN_ENTRY) throw corrupt(input.path, `header says ${n} objects, more than ${input.size} bytes can hold`);
  if (n > budget.maxObjects) throw tooBig(`it holds ${n} objects`, `${budget.maxObjects} objects`);
  return n;
}

function entryHeader(win: PackWindow, pos: number, path: string): PackEntryHeader {
  try {
    return parsePackEntryHeader(win.at(pos, 32), pos);
  } catch (e) {
    if (e instanceof PackEntryHeaderError) throw corrupt(path, `${e.reason} at offset ${pos}`);
    throw e;
  }
}

/** Pass 1: every entry in order (see the module comment); checks the trailing checksum. */
function scanEntries(input: PackInput, win: PackWindow, n: number, budget: Budget, deltaBudget: number): Entries {
  const path = input.path;
  const e: Entries = {
    n,
    offsets: new Float64Array(n + 1),
    hlens: new Uint8Array(n),
    baseIdx: new Int32Array(n).fill(-1),
    types: new Uint8Array(n),
    sizes: new Uint32Array(n),
    crcs: new Uint32Array(n),
    oids: Buffer.alloc(n * 20),
    known: new Uint8Array(n),
    refChildren: new Map(),
    kept: new KeptDeltas(n, deltaBudget),
    trailer: Buffer.alloc(0),
  };
  // Short-lived inflated entries in a reused buffer.
  const outScratch = new Scratch();
  const end = input.size - 20;
  let pos = 12;
  for (let k = 0; k < n; k++) {
    if (pos >= end) throw corrupt(path, `header says ${n} objects, data ends after ${k}`);
    const h = entryHeader(win, pos, path);
    // Refused before the inflate buffer is allocated: a header costs the sender one byte per 7 bits.
    if (h.size > budget.maxObject) throw tooBig(`the entry at offset ${pos} declares ${h.size} bytes`, mib(budget.maxObject));
    budget.spend(h.size);
    const dataStart = pos + h.length;
    let inflated: Inflated | undefined;
    // Guess the window the compressed entry needs; grow it if zlib runs out of input.
    for (let want = Math.max(h.size + 64, 4096); ; want *= 2) {
      try {
        inflated = inflateExact(win.at(dataStart, want).subarray(0, Math.min(end, win.start + win.buf.length) - dataStart), h.size, { out: outScratch.get(h.size + 1) });
        break;
      } catch (err) {
        if (!(err instanceof InflateError)) throw err;
        if (err.reason !== 'truncated' || win.start + win.buf.length >= end) throw corrupt(path, `entry at offset ${pos}: ${err.message}`);
      }
    }
    const next = dataStart + inflated.used;
    e.crcs[k] = crc32(win.at(pos, next - pos).subarray(0, next - pos));
    e.offsets[k] = pos;
    e.hlens[k] = h.length;
    e.types[k] = h.type;
    e.sizes[k] = h.size;
    if (h.type === OBJ_OFS_DELTA || h.type === OBJ_REF_DELTA) {
      if (h.baseOffset !== undefined) {
        const b = entryBefore(e.offsets, k, h.baseOffset);
        if (b < 0) throw corrupt(path, `the delta at offset ${pos} names a base at ${h.baseOffset}, where no entry starts`);
        e.baseIdx[k] = b;
      } else {
        const list = e.refChildren.get(h.baseOid!);
        if (list) list.push(k);
        else e.refChildren.set(h.baseOid!, [k]);
      }
      e.kept.keep(k, inflated.data);
    } else {
      objectIdBytes(PACK_TYPE_NAMES[h.type]!, inflated.data).copy(e.oids, k * 20);
      e.known[k] = 1;
    }
    pos = next;
  }
  if (pos !== end) throw corrupt(path, `${end - pos} stray bytes after the last object`);
  e.offsets[n] = end;
  const digest = win.finishHash();
  e.trailer = readAt(input.fs, input.fd, end, 20);
  if (!digest.equals(e.trailer)) throw corrupt(path, 'checksum mismatch');
  return e;
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

/** The ofs-delta children of every entry, as one list grouped by base: entry k's are kids[first[k]..first[k+1]). */
function childrenByBase(e: Entries): { first: Int32Array; kids: Int32Array } {
  const n = e.n;
  const first = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) if (e.baseIdx[k]! >= 0) first[e.baseIdx[k]! + 1]!++;
  for (let k = 0; k < n; k++) first[k + 1]! += first[k]!;
  const kids = new Int32Array(first[n]!);
  const fill = first.slice(0, n);
  for (let k = 0; k < n; k++) if (e.baseIdx[k]! >= 0) kids[fill[e.baseIdx[k]!]!++] = k;
  return { first, kids };
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
 * Pass 2: resolves the deltas depth-first from each whole object, with an explicit stack (the
 * call stack is no bound a hostile chain must respect). A base stays alive while its chain
 * resolves, so it gets its own buffer; a delta is used once.
 */
function resolveDeltas(input: PackInput, e: Entries, budget: Budget): void {
  const { offsets, hlens, sizes, types, oids, known, refChildren } = e;
  const path = input.path;
  const { first, kids } = childrenByBase(e);
  const inScratch = new Scratch();
  const outScratch = new Scratch();
  const hex = (k: number): string => oids.toString('hex', k * 20, k * 20 + 20);
  const inflateEntry = (k: number, into?: Scratch): Buffer => {
    const start = offsets[k]! + hlens[k]!;
    const size = sizes[k]!;
    try {
      const len = offsets[k + 1]! - start;
      return inflateExact(readAt(input.fs, input.fd, start, len, inScratch.get(len)), size, { out: into?.get(size + 1) }).data;
    } catch (err) {
      if (err instanceof InflateError) throw corrupt(path, `entry at offset ${offsets[k]}: ${err.message}`);
      throw err;
    }
  };
  const deltaOf = (k: number): Uint8Array => e.kept.get(k, sizes[k]!) ?? inflateEntry(k, outScratch);
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
  const resolveFrom = (root: number, type: number, rootData: Uint8Array): void => {
    const top = frameFor(root, rootData);
    if (!top) return;
    const stack: Frame[] = [top];
    // The bytes the frames' bases keep alive.
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
      const c = i < ofsCount ? kids[from + i]! : f.byRef![i - ofsCount]!;
      const delta = deltaOf(c);
      let out: Uint8Array;
      try {
        const target = deltaSizes(delta).target;
        if (target > budget.maxObject) throw tooBig(`the delta at offset ${offsets[c]} declares a ${target}-byte result`, mib(budget.maxObject));
        budget.spend(target);
        out = applyDelta(f.data, delta, budget.maxObject);
      } catch (err) {
        if (err instanceof MetaError && err.code === 'REMOTE') throw err;
        throw corrupt(path, `delta at offset ${offsets[c]}: ${(err as Error).message}`);
      }
      objectIdBytes(PACK_TYPE_NAMES[type]!, out).copy(oids, c * 20);
      known[c] = 1;
      const child = frameFor(c, out);
      if (!child) continue;
      if (stack.length >= MAX_DELTA_CHAIN) throw tooBig(`a delta chain is more than ${MAX_DELTA_CHAIN} deep`, `${MAX_DELTA_CHAIN} deltas`);
      held += out.length;
      if (held > budget.maxHeld) throw tooBig(`a delta chain holds more than ${mib(budget.maxHeld)} of bases at once`, mib(budget.maxHeld));
      stack.push(child);
    }
  };
  for (let k = 0; k < e.n; k++) {
    const t = types[k]!;
    if (t === OBJ_OFS_DELTA || t === OBJ_REF_DELTA) continue;
    if (first[k] === first[k + 1] && !(refChildren.size && refChildren.has(hex(k)))) continue;
    budget.spend(sizes[k]!);
    resolveFrom(k, t, inflateEntry(k));
  }
}

/**
 * Indexes `tmpPack` (a file in `packDir`) and moves it into place as `pack-<id>.pack` with its
 * `.idx`, the idx last, as git does: a reader listing `*.idx` never sees a pack without its data.
 * Both are fsynced (and the directory) before any ref can point into them, as git's core.fsync
 * default does for packs: the ref update that follows is fsynced, and must never name objects a
 * power cut could lose. Returns the pack id and object count.
 *
 * @example
 * const { id, objects } = installPack(fs, `${gitdir}/objects/pack`, tmpPack);
 */
export function installPack(fs: SyncFs, packDir: string, tmpPack: string, limits: IndexPackLimits = {}): { id: string; objects: number } {
  const indexed = indexPack(fs, tmpPack, limits);
  installPackFiles(fs, packDir, indexed.id, tmpPack, indexed.idx, { fsync: true, syncDir: true });
  return { id: indexed.id, objects: indexed.count };
}

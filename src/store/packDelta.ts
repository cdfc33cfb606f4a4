import { MetaError } from '../errors/MetaError.js';

/**
 * Git's delta format (the payload of OFS_DELTA / REF_DELTA pack entries), kept apart from the pack
 * reader so it can be tested on handcrafted buffers.
 *
 * Layout (see git's `patch-delta.c`):
 *   varint source size, varint target size, then opcodes until the end:
 *   - `1xxxxxxx` copy: bits 0-3 say which of 4 little-endian offset bytes follow, bits 4-6 which of
 *     3 size bytes follow; omitted bytes are 0, and a size of 0 means 0x10000.
 *   - `0nnnnnnn` (n > 0) insert the next n bytes of the delta literally.
 *   - `00000000` is reserved: git rejects it, so do we.
 */

/**
 * The longest delta chain read or indexed: longer than git ever writes (its default depth is 50,
 * `--depth` caps at 4095), short enough that a hostile pack cannot make a reader walk forever.
 */
export const MAX_DELTA_CHAIN = 10_000;

/** Reads git's little-endian base-128 size varint at `pos`; returns the value and the next position. */
function readSize(delta: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1; // multiplication, not `<<`: sizes above 2^31 must not wrap to negative numbers
  for (;;) {
    if (pos >= delta.length) throw deltaError('truncated size header', pos);
    const b = delta[pos++]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos];
    if (scale > 2 ** 53) throw deltaError('size header too long', pos);
  }
}

function deltaError(reason: string, deltaPos: number): MetaError {
  return new MetaError('CORRUPT_RECORD', `corrupt git delta: ${reason} (at delta byte ${deltaPos})`, { reason, deltaPos });
}

/**
 * The source and target sizes a delta declares, read from its header only: a caller can refuse an
 * oversized target before anything is allocated for it.
 *
 * @example
 * deltaSizes(Uint8Array.from([11, 11, 0x90, 6])); // { source: 11, target: 11 }
 */
export function deltaSizes(delta: Uint8Array): { source: number; target: number } {
  const [source, pos] = readSize(delta, 0);
  const [target] = readSize(delta, pos);
  return { source, target };
}

/**
 * Copies `len` bytes. Most delta ops move a few dozen bytes, where a plain loop beats creating a
 * subarray view for `set` (that view, not the copy, dominated applyDelta's profile).
 */
function copyInto(out: Uint8Array, at: number, src: Uint8Array, from: number, len: number): void {
  if (len > 64) {
    out.set(src.subarray(from, from + len), at);
    return;
  }
  for (let i = 0; i < len; i++) out[at + i] = src[from + i]!;
}

/**
 * Applies a git delta to its base object and returns the reconstructed object.
 *
 * Every bound is checked (declared source size, copy ranges, target size, and the target against
 * `maxSize`) because the input comes from disk: a corrupt delta must fail loudly instead of
 * producing a plausible-looking record.
 * Throws `MetaError('CORRUPT_RECORD')` with `data.reason`; the pack reader adds the pack path,
 * oid and offset.
 *
 * @example
 * // base "hello world", delta: src=11, tgt=11, copy(offset 0, size 6), insert "there"
 * const base = new TextEncoder().encode('hello world');
 * const delta = Uint8Array.from([11, 11, 0x90, 6, 5, ...new TextEncoder().encode('there')]);
 * new TextDecoder().decode(applyDelta(base, delta)); // "hello there"
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array, maxSize = Number.MAX_SAFE_INTEGER): Uint8Array {
  let [srcSize, pos] = readSize(delta, 0);
  if (srcSize !== base.length) {
    throw deltaError(`source size ${srcSize} does not match base size ${base.length}`, 0);
  }
  let tgtSize: number;
  [tgtSize, pos] = readSize(delta, pos);
  // The target size is bounded by what the opcodes can produce; checking it against that bound
  // before allocating keeps a corrupt header from asking for gigabytes.
  if (tgtSize > (delta.length - pos) * 0x10000) throw deltaError(`implausible target size ${tgtSize}`, pos);
  if (tgtSize > maxSize) throw deltaError(`target size ${tgtSize} is over the limit of ${maxSize} bytes`, pos);
  const out = new Uint8Array(tgtSize);
  let outPos = 0;
  while (pos < delta.length) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      // Offset bytes (bits 0-3) then size bytes (bits 4-6), each present only when its bit is set.
      for (let i = 0; i < 4; i++) {
        if (op & (1 << i)) {
          if (pos >= delta.length) throw deltaError('truncated copy offset', pos);
          offset += delta[pos++]! * 2 ** (8 * i);
        }
      }
      for (let i = 0; i < 3; i++) {
        if (op & (0x10 << i)) {
          if (pos >= delta.length) throw deltaError('truncated copy size', pos);
          size += delta[pos++]! * 2 ** (8 * i);
        }
      }
      if (size === 0) size = 0x10000;
      if (offset + size > base.length) {
        throw deltaError(`copy of ${size} bytes at ${offset} overruns base of ${base.length} bytes`, pos);
      }
      if (outPos + size > tgtSize) throw deltaError('copy overruns target size', pos);
      copyInto(out, outPos, base, offset, size);
      outPos += size;
    } else if (op !== 0) {
      if (pos + op > delta.length) throw deltaError('truncated insert', pos);
      if (outPos + op > tgtSize) throw deltaError('insert overruns target size', pos);
      copyInto(out, outPos, delta, pos, op);
      outPos += op;
      pos += op;
    } else {
      throw deltaError('reserved opcode 0', pos - 1);
    }
  }
  if (outPos !== tgtSize) throw deltaError(`produced ${outPos} bytes, header declared ${tgtSize}`, pos);
  return out;
}

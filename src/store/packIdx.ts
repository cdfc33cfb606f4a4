import { createHash } from 'node:crypto';

/** The entries of a v2 pack index, in idx (sorted oid) order. */
export interface IdxEntries {
  oids: string[];
  offsets: Float64Array;
  crcs: Uint32Array;
  /** The pack's trailing checksum the idx was written for. */
  packChecksum: Buffer;
}

/**
 * Serializes a v2 pack index: fanout, sorted oids, CRC32s, offsets (large ones in a 64-bit table),
 * checksums. Byte-identical to what `git index-pack` writes for the same pack. Ids come as hex
 * strings or as one buffer of 20-byte binary ids (an indexer of a 100k-object pack makes no string
 * per object). Sorts by the first four bytes packed with the entry number into one exact double
 * (2^32 · 2^21 ≤ 2^53), then orders the rare runs that share those bytes by the whole id.
 *
 * @example
 * const built = buildPack(objects);
 * fs.writeFileSync(`pack-${built.checksum.toString('hex')}.idx`, writeIdx(built.oids, built.offsets, built.crcs, built.checksum));
 */
export function writeIdx(ids: Buffer | readonly string[], offsets: ArrayLike<number>, crcs: ArrayLike<number>, packChecksum: Buffer): Buffer {
  const oids = Buffer.isBuffer(ids) ? ids : Buffer.from(ids.join(''), 'hex');
  const n = oids.length / 20;
  const order = new Uint32Array(n);
  const cmpFull = (a: number, b: number): number => oids.compare(oids, b * 20, b * 20 + 20, a * 20, a * 20 + 20);
  if (n < 1 << 21) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = oids.readUInt32BE(i * 20) * 2097152 + i;
    keys.sort();
    for (let j = 0; j < n; j++) order[j] = keys[j]! % 2097152;
    for (let j = 0; j < n; ) {
      let e = j + 1;
      const prefix = oids.readUInt32BE(order[j]! * 20);
      while (e < n && oids.readUInt32BE(order[e]! * 20) === prefix) e++;
      if (e - j > 1) order.set(Array.from(order.subarray(j, e)).sort(cmpFull), j);
      j = e;
    }
  } else {
    order.set(Array.from({ length: n }, (_, i) => i).sort(cmpFull));
  }
  let large = 0;
  for (let i = 0; i < n; i++) if (offsets[i]! >= 0x80000000) large++;
  const out = Buffer.alloc(8 + 1024 + n * 28 + large * 8 + 40);
  out.writeUInt32BE(0xff744f63, 0);
  out.writeUInt32BE(2, 4);
  const fan = new Uint32Array(256);
  for (let i = 0; i < n; i++) fan[oids[i * 20]!]!++;
  let acc = 0;
  for (let b = 0; b < 256; b++) {
    acc += fan[b]!;
    out.writeUInt32BE(acc, 8 + b * 4);
  }
  const oidAt = 8 + 1024;
  const crcAt = oidAt + n * 20;
  const ofsAt = crcAt + n * 4;
  let largeAt = ofsAt + n * 4;
  let largeIdx = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    oids.copy(out, oidAt + j * 20, i * 20, i * 20 + 20);
    out.writeUInt32BE(crcs[i]! >>> 0, crcAt + j * 4);
    const off = offsets[i]!;
    if (off >= 0x80000000) {
      out.writeUInt32BE((0x80000000 | largeIdx) >>> 0, ofsAt + j * 4);
      out.writeBigUInt64BE(BigInt(off), largeAt);
      largeAt += 8;
      largeIdx++;
    } else out.writeUInt32BE(off, ofsAt + j * 4);
  }
  packChecksum.copy(out, largeAt);
  createHash('sha1').update(out.subarray(0, largeAt + 20)).digest().copy(out, largeAt + 20);
  return out;
}

/**
 * Parses a whole v2 `.idx` (what `writeIdx` wrote) back into its entries. Throws on anything else:
 * callers only read indexes of packs boot-meta wrote itself.
 *
 * @example
 * const { oids, offsets } = readIdx(fs.readFileSync(idxPath));
 */
export function readIdx(idx: Buffer): IdxEntries {
  if (idx.length < 8 + 1024 + 40 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new Error('not a version-2 pack index');
  const n = idx.readUInt32BE(8 + 255 * 4);
  const oidAt = 8 + 1024;
  const crcAt = oidAt + n * 20;
  const ofsAt = crcAt + n * 4;
  const largeAt = ofsAt + n * 4;
  if (idx.length < largeAt + 40) throw new Error('truncated pack index');
  const oids: string[] = new Array(n);
  const offsets = new Float64Array(n);
  const crcs = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    oids[j] = idx.toString('hex', oidAt + j * 20, oidAt + j * 20 + 20);
    crcs[j] = idx.readUInt32BE(crcAt + j * 4);
    const small = idx.readUInt32BE(ofsAt + j * 4);
    if (small & 0x80000000) {
      const k = largeAt + 8 * (small & 0x7fffffff);
      if (k + 8 > idx.length - 40) throw new Error('pack index large offset out of range');
      offsets[j] = idx.readUInt32BE(k) * 2 ** 32 + idx.readUInt32BE(k + 4);
    } else offsets[j] = small;
  }
  return { oids, offsets, crcs, packChecksum: Buffer.from(idx.subarray(idx.length - 40, idx.length - 20)) };
}

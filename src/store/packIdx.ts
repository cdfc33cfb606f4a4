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
 * checksums. Byte-identical to what `git index-pack` writes for the same pack.
 *
 * @example
 * const built = buildPack(objects);
 * fs.writeFileSync(`pack-${built.checksum.toString('hex')}.idx`, writeIdx(built.oids, built.offsets, built.crcs, built.checksum));
 */
export function writeIdx(oids: string[], offsets: ArrayLike<number>, crcs: ArrayLike<number>, packChecksum: Buffer): Buffer {
  const n = oids.length;
  // Bucket by first byte (the fanout), then sort each small bucket: half the comparisons of one sort.
  const buckets: number[][] = Array.from({ length: 256 }, () => []);
  for (let i = 0; i < n; i++) buckets[Number.parseInt(oids[i]!.slice(0, 2), 16)]!.push(i);
  const cmp = (a: number, b: number): number => (oids[a]! < oids[b]! ? -1 : oids[a]! > oids[b]! ? 1 : 0);
  const order = buckets.flatMap((b) => b.sort(cmp));
  const large = order.filter((i) => offsets[i]! >= 0x80000000).length;
  const out = Buffer.alloc(8 + 1024 + n * 28 + large * 8 + 40);
  out.writeUInt32BE(0xff744f63, 0);
  out.writeUInt32BE(2, 4);
  let acc = 0;
  for (let b = 0; b < 256; b++) {
    acc += buckets[b]!.length;
    out.writeUInt32BE(acc, 8 + b * 4);
  }
  let p = 8 + 1024;
  const crcAt = p + n * 20;
  const ofsAt = crcAt + n * 4;
  let largeAt = ofsAt + n * 4;
  let largeIdx = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    out.write(oids[i]!, p + j * 20, 'hex');
    out.writeUInt32BE(crcs[i]! >>> 0, crcAt + j * 4);
    const off = offsets[i]!;
    if (off >= 0x80000000) {
      out.writeUInt32BE((0x80000000 | largeIdx) >>> 0, ofsAt + j * 4);
      out.writeBigUInt64BE(BigInt(off), largeAt);
      largeAt += 8;
      largeIdx++;
    } else out.writeUInt32BE(off, ofsAt + j * 4);
  }
  p = largeAt;
  packChecksum.copy(out, p);
  createHash('sha1').update(out.subarray(0, p + 20)).digest().copy(out, p + 20);
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

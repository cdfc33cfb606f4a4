import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { hashObject, type ObjectType } from './gitObjects.js';
import { PACK_TYPE_NUMBERS } from './packEntryHeader.js';

/** A pack built in memory, with what its `.idx` needs. */
export interface BuiltPack {
  /** The whole `.pack` file (header, entries, SHA-1 trailer). */
  pack: Buffer;
  /** The trailer: the pack's id (`pack-<hex>.pack`). */
  checksum: Buffer;
  /** Object ids in pack order, with each entry's offset and the CRC32 of its bytes. */
  oids: string[];
  offsets: Float64Array;
  crcs: Uint32Array;
}

/** The variable-length entry header of a whole object: type and inflated size. */
function entryHeader(type: ObjectType, size: number): Buffer {
  const head: number[] = [];
  let byte = (PACK_TYPE_NUMBERS[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    head.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  head.push(byte);
  return Buffer.from(head);
}

/**
 * The 12-byte pack header: `PACK`, version 2, the object count.
 *
 * @example
 * packHeader(3); // <Buffer 50 41 43 4b 00 00 00 02 00 00 00 03>
 */
export function packHeader(count: number): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  return header;
}

/**
 * Builds a version-2 pack of whole (undeltified) objects, plus the ids, offsets and CRC32s its
 * `.idx` is made of. Records are small protobufs that differ entirely from each other and an
 * append rewrites a few trees, so deltas would save little and cost a search; `git repack`
 * deltifies later if anyone wants it.
 *
 * @example
 * const built = buildPack([{ type: 'blob', data: Buffer.from('hi\n') }]);
 * writeIdx(built.oids, built.offsets, built.crcs, built.checksum); // the matching .idx
 */
export function buildPack(objects: Iterable<{ type: ObjectType; data: Uint8Array; oid?: string }>): BuiltPack {
  const parts: Buffer[] = [Buffer.alloc(12)];
  const oids: string[] = [];
  const offsets: number[] = [];
  const crcs: number[] = [];
  let pos = 12;
  for (const o of objects) {
    const head = entryHeader(o.type, o.data.length);
    const body = deflateSync(o.data, { level: 1 });
    oids.push(o.oid ?? hashObject(o.type, o.data).oid);
    offsets.push(pos);
    crcs.push(crc32(body, crc32(head)));
    parts.push(head, body);
    pos += head.length + body.length;
  }
  parts[0] = packHeader(oids.length);
  const checksum = createHash('sha1');
  for (const p of parts) checksum.update(p);
  const trailer = checksum.digest();
  parts.push(trailer);
  return { pack: Buffer.concat(parts, pos + 20), checksum: trailer, oids, offsets: Float64Array.from(offsets), crcs: Uint32Array.from(crcs) };
}

/**
 * Writes a version-2 packfile of whole (undeltified) objects: what receive-pack accepts from any
 * client. An append sends a commit, a few trees and the new records, so deltas would save little.
 *
 * @example
 * const pack = writePack(oids.map((oid) => objects.read(oid)));
 */
export function writePack(objects: Iterable<{ type: ObjectType; data: Uint8Array }>): Buffer {
  return buildPack(objects).pack;
}

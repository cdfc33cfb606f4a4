import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { ObjectType } from '../store/gitObjects.js';

const TYPE_NUM: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/**
 * Writes a version-2 packfile of whole (undeltified) objects: what receive-pack accepts from any
 * client. An append sends a commit, a few trees and the new records, so deltas would save little.
 */
export function writePack(objects: Iterable<{ type: ObjectType; data: Uint8Array }>): Buffer {
  const parts: Buffer[] = [];
  let count = 0;
  for (const o of objects) {
    count++;
    let size = o.data.length;
    const head: number[] = [];
    let byte = (TYPE_NUM[o.type] << 4) | (size & 0x0f);
    size >>>= 4;
    while (size > 0) {
      head.push(byte | 0x80);
      byte = size & 0x7f;
      size >>>= 7;
    }
    head.push(byte);
    parts.push(Buffer.from(head), deflateSync(o.data, { level: 1 }));
  }
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  const body = Buffer.concat([header, ...parts]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

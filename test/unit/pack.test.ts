import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync, crc32 } from 'node:zlib';
import { Volume, createFsFromVolume } from 'memfs';
import { applyDelta } from '../../src/store/packDelta.js';
import { PackSet } from '../../src/store/PackSet.js';
import type { RawObject } from '../../src/store/gitObjects.js';
import type { SyncFs } from '../../src/store/fs.js';
import { MetaError } from '../../src/errors/MetaError.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function caught(fn: () => unknown): MetaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MetaError);
    return e as MetaError;
  }
  throw new Error('expected a MetaError');
}

/** git's little-endian size varint, as used in delta headers. */
function sizeVarint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

describe('applyDelta', () => {
  const base = new Uint8Array(0x10000 + 300);
  for (let i = 0; i < base.length; i++) base[i] = (i * 7 + (i >> 8)) & 0xff;

  it('copies with omitted offset/size bytes, size 0 meaning 0x10000, and inserts', () => {
    const delta = Uint8Array.from([
      ...sizeVarint(base.length),
      ...sizeVarint(0x10000 + 3 + 0x20 + 2),
      0x80, // copy, no offset byte (offset 0), no size byte (size 0 -> 0x10000)
      0x03, 0xaa, 0xbb, 0xcc, // insert 3 bytes
      0x80 | 0x02 | 0x10, 0x01, 0x20, // copy: only offset byte 1 (-> 0x0100), only size byte 0 (-> 0x20)
      0x80 | 0x01 | 0x10, 0x05, 0x02, // copy: offset 5, size 2
    ]);
    const out = applyDelta(base, delta);
    expect(out.length).toBe(0x10000 + 3 + 0x20 + 2);
    expect(Buffer.from(out.subarray(0, 0x10000)).equals(base.subarray(0, 0x10000))).toBe(true);
    expect([...out.subarray(0x10000, 0x10003)]).toEqual([0xaa, 0xbb, 0xcc]);
    expect(out.subarray(0x10003, 0x10023)).toEqual(base.subarray(0x100, 0x120));
    expect(out.subarray(0x10023)).toEqual(base.subarray(5, 7));
    // ...and the out-of-range one is rejected, not clamped.
    const tooFar = Uint8Array.from([...sizeVarint(base.length), ...sizeVarint(0x20000), 0x80 | 0x01 | 0x40, 0x05, 0x02]);
    expect(caught(() => applyDelta(base, tooFar)).message).toMatch(/overruns base/);
  });

  it('handles all four offset bytes and all three size bytes', () => {
    const small = enc('0123456789abcdef');
    // offset = 0x00000003 spelled with all four bytes; size = 0x000004 with all three bytes.
    const delta = Uint8Array.from([16, 4, 0xff, 3, 0, 0, 0, 4, 0, 0]);
    expect(dec(applyDelta(small, delta))).toBe('3456');
  });

  it('reproduces the documented example', () => {
    const delta = Uint8Array.from([11, 11, 0x90, 6, 5, ...enc('there')]);
    expect(dec(applyDelta(enc('hello world'), delta))).toBe('hello there');
  });

  it('rejects reserved opcode 0, size mismatches and truncation', () => {
    const b = enc('abc');
    expect(caught(() => applyDelta(b, Uint8Array.from([3, 1, 0]))).message).toMatch(/reserved opcode 0/);
    expect(caught(() => applyDelta(b, Uint8Array.from([4, 1, 1, 65]))).message).toMatch(/source size 4/);
    expect(caught(() => applyDelta(b, Uint8Array.from([3, 2, 1, 65]))).message).toMatch(/declared 2/);
    expect(caught(() => applyDelta(b, Uint8Array.from([3, 1, 2, 65]))).message).toMatch(/truncated insert/);
    expect(caught(() => applyDelta(b, Uint8Array.from([3, 1, 0x91]))).message).toMatch(/truncated copy/);
    expect(caught(() => applyDelta(b, Uint8Array.from([3, 1, 0x90, 2]))).message).toMatch(/overruns target/);
    expect(caught(() => applyDelta(b, Uint8Array.from([0x83]))).message).toMatch(/truncated size/);
    expect(dec(applyDelta(b, Uint8Array.from([3, 1, 1, 65])))).toBe('A'); // control: the same shape, valid
    expect(caught(() => applyDelta(b, Uint8Array.from([3, 1, 0x80]))).code).toBe('CORRUPT_RECORD'); // 0x10000-byte copy
  });
});

// ---------------------------------------------------------------------------------------------
// A minimal pack + idx writer, so the reader can be tested on entry kinds git does not write to
// disk by itself (cross-pack and external REF_DELTA bases, idx v1) and on corrupted files.

type Entry =
  | { kind: 'full'; type: RawObject['type']; data: Uint8Array }
  | { kind: 'ofs'; base: number; delta: Uint8Array; result: RawObject } // base: index of an earlier entry
  | { kind: 'ref'; baseOid: string; delta: Uint8Array; result: RawObject }
  | { kind: 'raw'; bytes: Uint8Array; result: RawObject }; // pre-encoded entry (header + zlib)

const TYPE_NUM = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

function oidOf(o: RawObject): string {
  return createHash('sha1').update(`${o.type} ${o.data.length}\0`).update(o.data).digest('hex');
}

function entryHeader(type: number, size: number): number[] {
  const out = [(type << 4) | (size & 15)];
  size = Math.floor(size / 16);
  while (size > 0) {
    out[out.length - 1]! |= 0x80;
    out.push(size & 0x7f);
    size = Math.floor(size / 128);
  }
  return out;
}

function ofsEncode(rel: number): number[] {
  const out = [rel & 0x7f];
  rel = Math.floor(rel / 128);
  while (rel > 0) {
    rel -= 1;
    out.unshift(0x80 | (rel & 0x7f));
    rel = Math.floor(rel / 128);
  }
  return out;
}

/** A delta that turns `base` into `base + suffix` (copy all, insert suffix). */
function appendDelta(base: Uint8Array, suffix: string): Uint8Array {
  const add = enc(suffix);
  const n = base.length;
  // copy with offset 0 (no offset bytes) and explicit 3-byte size
  return Uint8Array.from([
    ...sizeVarint(n),
    ...sizeVarint(n + add.length),
    0x80 | 0x10 | 0x20 | 0x40, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff,
    add.length, ...add,
  ]);
}

interface Built {
  pack: Buffer;
  idx: Buffer;
  oids: string[];
  offsets: number[];
  objects: Map<string, RawObject>;
}

function buildPack(entries: Entry[], idxVersion: 1 | 2 = 2): Built {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  parts.push(header);
  let pos = 12;
  const offsets: number[] = [];
  const crcs: number[] = [];
  const oids: string[] = [];
  const objects = new Map<string, RawObject>();
  for (const e of entries) {
    let bytes: Buffer;
    let result: RawObject;
    if (e.kind === 'full') {
      result = { type: e.type, data: e.data };
      bytes = Buffer.concat([Buffer.from(entryHeader(TYPE_NUM[e.type], e.data.length)), deflateSync(e.data)]);
    } else if (e.kind === 'ofs') {
      result = e.result;
      const rel = pos - offsets[e.base]!;
      bytes = Buffer.concat([Buffer.from([...entryHeader(6, e.delta.length), ...ofsEncode(rel)]), deflateSync(e.delta)]);
    } else if (e.kind === 'ref') {
      result = e.result;
      bytes = Buffer.concat([Buffer.from(entryHeader(7, e.delta.length)), Buffer.from(e.baseOid, 'hex'), deflateSync(e.delta)]);
    } else {
      result = e.result;
      bytes = Buffer.from(e.bytes);
    }
    offsets.push(pos);
    crcs.push(crc32(bytes));
    const oid = oidOf(result);
    oids.push(oid);
    objects.set(oid, result);
    parts.push(bytes);
    pos += bytes.length;
  }
  const body = Buffer.concat(parts);
  const packSum = createHash('sha1').update(body).digest();
  const pack = Buffer.concat([body, packSum]);

  const order = oids.map((_, i) => i).sort((a, b) => (oids[a]! < oids[b]! ? -1 : 1));
  const fanout = Buffer.alloc(1024);
  for (let b = 0; b < 256; b++) {
    fanout.writeUInt32BE(order.filter((i) => parseInt(oids[i]!.slice(0, 2), 16) <= b).length, 4 * b);
  }
  const idxParts: Buffer[] = [];
  if (idxVersion === 2) {
    idxParts.push(Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout);
    for (const i of order) idxParts.push(Buffer.from(oids[i]!, 'hex'));
    for (const i of order) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(crcs[i]!);
      idxParts.push(c);
    }
    for (const i of order) {
      const o = Buffer.alloc(4);
      o.writeUInt32BE(offsets[i]!);
      idxParts.push(o);
    }
  } else {
    idxParts.push(fanout);
    for (const i of order) {
      const o = Buffer.alloc(4);
      o.writeUInt32BE(offsets[i]!);
      idxParts.push(o, Buffer.from(oids[i]!, 'hex'));
    }
  }
  idxParts.push(packSum);
  const idxBody = Buffer.concat(idxParts);
  const idx = Buffer.concat([idxBody, createHash('sha1').update(idxBody).digest()]);
  return { pack, idx, oids, offsets, objects };
}

function memRepo(): { fs: SyncFs; put(name: string, b: Built): void } {
  const vol = new Volume();
  const mfs = createFsFromVolume(vol) as unknown as SyncFs;
  mfs.mkdirSync('/repo/.git/objects/pack', { recursive: true });
  return {
    fs: mfs,
    put(name, b) {
      mfs.writeFileSync(`/repo/.git/objects/pack/pack-${name}.pack`, b.pack);
      mfs.writeFileSync(`/repo/.git/objects/pack/pack-${name}.idx`, b.idx);
    },
  };
}

function expectSame(got: RawObject | undefined, want: RawObject): void {
  expect(got?.type).toBe(want.type);
  expect(dec(got!.data)).toBe(dec(want.data));
}

/** A base blob plus a chain of `n` ofs-deltas, each appending a line. */
function chain(n: number, prefix = 'v'): Entry[] {
  let cur = enc(`${prefix} base\n${'shared text '.repeat(20)}\n`);
  const entries: Entry[] = [{ kind: 'full', type: 'blob', data: cur }];
  for (let i = 1; i <= n; i++) {
    const delta = appendDelta(cur, `${prefix} line ${i}\n`);
    cur = applyDelta(cur, delta);
    entries.push({ kind: 'ofs', base: i - 1, delta, result: { type: 'blob', data: cur } });
  }
  return entries;
}

describe('PackSet on handcrafted packs (memfs)', () => {
  it('reads full objects of every type and ofs-delta chains', () => {
    const { fs, put } = memRepo();
    const b = buildPack([
      { kind: 'full', type: 'commit', data: enc('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmsg\n') },
      { kind: 'full', type: 'tree', data: new Uint8Array(0) },
      { kind: 'full', type: 'tag', data: enc('object x\n') },
      { kind: 'full', type: 'blob', data: new Uint8Array(0) },
      ...chain(30).map((e) => (e.kind === 'ofs' ? { ...e, base: e.base + 4 } : e)),
    ]);
    put('a', b);
    const packs = new PackSet(fs, '/repo/.git');
    for (const [oid, want] of b.objects) {
      expectSame(packs.read(oid), want);
      expect(packs.has(oid.toUpperCase())).toBe(true);
    }
    expect(packs.read('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')?.data.length).toBe(0); // empty blob
    expect(new Set(packs.oids())).toEqual(new Set(b.objects.keys()));
    // Returned buffers are the caller's: mutating one does not poison the base cache.
    const mid = b.oids[20]!;
    packs.read(b.oids[25]!)!; // puts entry 20 in the cache as a base
    const got = packs.read(mid)!;
    got.data.fill(0);
    expectSame(packs.read(mid), b.objects.get(mid)!);
    expectSame(packs.read(b.oids[26]!), b.objects.get(b.oids[26]!)!);
    packs.close();
  });

  it('reads entries that straddle its read blocks, in any order, from cold and from cached blocks', () => {
    const { fs, put } = memRepo();
    // Incompressible blobs of uneven sizes: entries land across every 16 KiB block boundary.
    const entries: Entry[] = Array.from({ length: 700 }, (_, i) => ({ kind: 'full', type: 'blob', data: randomBytes(1000 + ((i * 977) % 5000)) }));
    const b = buildPack(entries);
    put('big', b);
    const packs = new PackSet(fs, '/repo/.git');
    const order = [...b.oids].reverse();
    for (let k = 0; k < 700; k += 2) order.push(order[k]!); // revisit half from cached blocks
    for (const oid of order) expectSame(packs.read(oid), b.objects.get(oid)!);
    packs.close();
  });

  it('reads idx v1', () => {
    const { fs, put } = memRepo();
    const b = buildPack(chain(5), 1);
    put('v1', b);
    const packs = new PackSet(fs, '/repo/.git');
    for (const [oid, want] of b.objects) expectSame(packs.read(oid), want);
  });

  it('resolves REF_DELTA bases in the same pack, in another pack, and through resolveExternal', () => {
    const { fs, put } = memRepo();
    const base1 = enc('first base\n'.repeat(10));
    const b1 = buildPack([{ kind: 'full', type: 'blob', data: base1 }]);
    const base1Oid = b1.oids[0]!;
    const external: RawObject = { type: 'blob', data: enc('loose base\n'.repeat(10)) };
    const externalOid = oidOf(external);

    const d1 = appendDelta(base1, 'cross-pack\n');
    const r1: RawObject = { type: 'blob', data: applyDelta(base1, d1) };
    const local: RawObject = { type: 'blob', data: enc('local\n'.repeat(9)) };
    const d2 = appendDelta(local.data, 'same-pack\n');
    const r2: RawObject = { type: 'blob', data: applyDelta(local.data, d2) };
    const d3 = appendDelta(external.data, 'thin\n');
    const r3: RawObject = { type: 'blob', data: applyDelta(external.data, d3) };
    // r4 is a ref-delta on r3, itself a ref-delta on the external base: a chain through all kinds.
    const d4 = appendDelta(r3.data, 'on top\n');
    const r4: RawObject = { type: 'blob', data: applyDelta(r3.data, d4) };
    const pack2 = buildPack([
      { kind: 'ref', baseOid: base1Oid, delta: d1, result: r1 },
      { kind: 'full', type: 'blob', data: local.data },
      { kind: 'ref', baseOid: oidOf(local), delta: d2, result: r2 },
      { kind: 'ref', baseOid: externalOid, delta: d3, result: r3 },
      { kind: 'ref', baseOid: oidOf(r3), delta: d4, result: r4 },
    ]);
    put('1', b1);
    put('2', pack2);
    const asked: string[] = [];
    const packs = new PackSet(fs, '/repo/.git', {
      resolveExternal: (oid) => {
        asked.push(oid);
        return oid === externalOid ? external : undefined;
      },
    });
    for (const [oid, want] of pack2.objects) expectSame(packs.read(oid), want);
    expect(asked).toContain(externalOid);

    // Without the external resolver the thin entry is a clear error naming the missing base.
    const bare = new PackSet(fs, '/repo/.git');
    const e = caught(() => bare.read(oidOf(r3)));
    expect(e.code).toBe('CORRUPT_RECORD');
    expect(e.data).toMatchObject({ baseOid: externalOid, oid: oidOf(r3), pack: '/repo/.git/objects/pack/pack-2.pack' });
    expectSame(bare.read(oidOf(r1)), r1); // the cross-pack one needs no resolver
  });

  it('retries inflate with a bigger window when the zlib stream is longer than expected', () => {
    // A legal zlib stream padded with 3000 empty stored blocks: 15 KB of input for 10 bytes of output.
    const data = enc('0123456789');
    const adler = deflateSync(data).subarray(-4);
    const stream = Buffer.concat([
      Buffer.from([0x78, 0x01]),
      Buffer.concat(Array.from({ length: 3000 }, () => Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]))),
      Buffer.from([0x01, data.length, 0x00, ~data.length & 0xff, 0xff]),
      Buffer.from(data),
      adler,
    ]);
    const padded: RawObject = { type: 'blob', data };
    const { fs, put } = memRepo();
    const b = buildPack([
      { kind: 'raw', bytes: Buffer.concat([Buffer.from(entryHeader(3, data.length)), stream]), result: padded },
      { kind: 'full', type: 'blob', data: enc('after') },
    ]);
    put('p', b);
    expectSame(new PackSet(fs, '/repo/.git').read(oidOf(padded)), padded);
  });

  it('finds nothing in a repository without packs, rejects malformed oids', () => {
    const vol = new Volume();
    const mfs = createFsFromVolume(vol) as unknown as SyncFs;
    mfs.mkdirSync('/empty/.git/objects', { recursive: true });
    const packs = new PackSet(mfs, '/empty/.git');
    expect(packs.read('a'.repeat(40))).toBeUndefined();
    expect([...packs.oids()]).toEqual([]);
    expect(caught(() => packs.read('abc')).code).toBe('INVALID_ARGUMENT');
    expect(caught(() => packs.has('g'.repeat(40))).code).toBe('INVALID_ARGUMENT');
  });

  it('is lazy: constructing reads nothing, a lookup reads only the idx', () => {
    const { fs, put } = memRepo();
    const b = buildPack(chain(3));
    put('lazy', b);
    const calls: string[] = [];
    const spy = new Proxy(fs, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function'
          ? (...args: unknown[]) => {
              calls.push(String(prop));
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            }
          : v;
      },
    });
    const packs = new PackSet(spy, '/repo/.git');
    expect(calls).toEqual([]);
    expect(packs.has(b.oids[1]!)).toBe(true);
    expect(calls).not.toContain('openSync');
    packs.read(b.oids[1]!);
    expect(calls.filter((c) => c === 'openSync')).toHaveLength(1);
    expect(calls.filter((c) => c === 'readFileSync')).toHaveLength(1); // the idx, once
  });
});

describe('PackSet on corrupt packs', () => {
  function setup(mutate: (b: Built) => void): { packs: PackSet; b: Built } {
    const { fs, put } = memRepo();
    const b = buildPack(chain(3));
    mutate(b);
    put('bad', b);
    return { packs: new PackSet(fs, '/repo/.git'), b };
  }

  it('reports a bad idx magic clearly, with the pack path', () => {
    const { packs, b } = setup((b) => b.idx.write('JUNK', 0, 'latin1'));
    const e = caught(() => packs.read(b.oids[0]!));
    expect(e.code).toBe('CORRUPT_RECORD');
    expect(e.message).toMatch(/bad magic 0x4a554e4b/);
    expect(e.message).toContain('/repo/.git/objects/pack/pack-bad.idx');
    expect(e.data).toMatchObject({ pack: '/repo/.git/objects/pack/pack-bad.pack', oid: b.oids[0] });
  });

  it('rejects an unsupported idx version and a truncated idx', () => {
    expect(caught(() => setup((b) => b.idx.writeUInt32BE(3, 4)).packs.has('a'.repeat(40))).message).toMatch(/version 3/);
    const { fs, put } = memRepo();
    const b = buildPack(chain(3));
    put('short', { ...b, idx: b.idx.subarray(0, b.idx.length - 8) });
    expect(caught(() => new PackSet(fs, '/repo/.git').has('a'.repeat(40))).message).toMatch(/does not fit/);
  });

  it('detects a pack that does not belong to its idx', () => {
    const { packs, b } = setup((b) => {
      b.pack[b.pack.length - 1] ^= 1;
    });
    const e = caught(() => packs.read(b.oids[0]!));
    expect(e.code).toBe('INTEGRITY');
    expect(e.data.pack).toBe('/repo/.git/objects/pack/pack-bad.pack');
  });

  it('detects corrupt compressed data with pack, oid and offset', () => {
    const { packs, b } = setup((b) => {
      b.pack[b.offsets[0]! + 12] ^= 0xff; // inside the base's zlib stream
    });
    const e = caught(() => packs.read(b.oids[2]!)); // via the delta chain
    expect(e.code).toBe('CORRUPT_RECORD');
    expect(e.data).toMatchObject({ pack: '/repo/.git/objects/pack/pack-bad.pack', oid: b.oids[2], offset: b.offsets[0] });
  });

  it('detects an idx entry pointing at the wrong object (INTEGRITY)', () => {
    const { fs, put } = memRepo();
    const b = buildPack(chain(3));
    {
      // Swap the offsets of the first two idx entries (v2: offsets table after oids and crcs).
      const n = b.oids.length;
      const off = 8 + 1024 + n * 24;
      const first = b.idx.readUInt32BE(off);
      b.idx.writeUInt32BE(b.idx.readUInt32BE(off + 4), off);
      b.idx.writeUInt32BE(first, off + 4);
    }
    put('bad', b);
    const packs = new PackSet(fs, '/repo/.git');
    const sorted = [...b.oids].sort();
    const e = caught(() => packs.read(sorted[0]!));
    expect(e.code).toBe('INTEGRITY');
    expect(e.data).toMatchObject({ oid: sorted[0] });
    // Opting out of the check returns what the entry holds.
    expect(new PackSet(fs, '/repo/.git', { verifyObjects: false }).read(sorted[0]!)).toBeDefined();
  });

  it('rejects an entry whose declared size disagrees with its data', () => {
    const { fs, put } = memRepo();
    const data = enc('twelve bytes');
    const lying: RawObject = { type: 'blob', data };
    const bytes = Buffer.concat([Buffer.from(entryHeader(3, 5)), deflateSync(data)]);
    put('lie', buildPack([{ kind: 'raw', bytes, result: lying }]));
    const e = caught(() => new PackSet(fs, '/repo/.git').read(oidOf(lying)));
    expect(e.code).toBe('CORRUPT_RECORD');
    expect(e.message).toMatch(/declared size/);
  });
});

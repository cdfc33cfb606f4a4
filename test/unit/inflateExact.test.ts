import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { inflateExact, inflateEngine, InflateError, type InflateEngine } from '../../src/store/inflateExact.js';

function failure(fn: () => unknown): InflateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InflateError);
    return e as InflateError;
  }
  throw new Error('expected an InflateError');
}

// Node 20 has the internal handle shape the fast engine needs; if a Node upgrade removes it the
// fallback takes over silently, and this line says so loudly instead.
it('uses the reused zlib handle on this Node', () => {
  expect(inflateEngine()).toBe('handle');
});

describe.each<InflateEngine>(['handle', 'inflateSync'])('inflateExact (%s)', (engine) => {
  it('inflates streams of many sizes, ignores trailing bytes and reports the bytes used', () => {
    for (const size of [0, 1, 17, 300, 4096, 70_000, 300_000]) {
      // Half random, half repetitive: both stored and Huffman-coded deflate blocks.
      const plain = Buffer.concat([randomBytes(size >> 1), Buffer.alloc(size - (size >> 1), 'ab')]);
      const packed = deflateSync(plain);
      const next = Buffer.from('NEXT ENTRY');
      const r = inflateExact(Buffer.concat([packed, next]), plain.length, { engine });
      expect(r.data.equals(plain)).toBe(true);
      expect(r.used).toBe(packed.length);
    }
  });

  it('keeps working after each kind of failure', () => {
    const plain = Buffer.from('x'.repeat(1000) + 'tail');
    const packed = deflateSync(plain);
    expect(failure(() => inflateExact(packed.subarray(0, packed.length >> 1), plain.length, { engine })).reason).toBe('truncated');
    expect(failure(() => inflateExact(packed, plain.length - 1, { engine })).reason).toBe('overlong');
    expect(failure(() => inflateExact(packed, plain.length + 5, { engine })).reason).toBe('short');
    const bad = Buffer.from(packed);
    bad[0] = 0x00; // not a zlib header
    expect(failure(() => inflateExact(bad, plain.length, { engine })).reason).toBe('corrupt');
    const flipped = Buffer.from(packed);
    flipped[flipped.length - 1]! ^= 0xff; // Adler-32 checksum no longer matches
    expect(failure(() => inflateExact(flipped, plain.length, { engine })).reason).toBe('corrupt');
    // The shared handle must not carry state from the failures into the next stream.
    expect(inflateExact(packed, plain.length, { engine }).data.equals(plain)).toBe(true);
  });

  it('inflates into a caller-supplied scratch buffer, one object after another', () => {
    const out = Buffer.alloc(2000);
    for (const text of ['first object', 'the second, longer object', 'x']) {
      const r = inflateExact(deflateSync(Buffer.from(text)), text.length, { engine, out });
      expect(r.data.toString()).toBe(text);
      if (engine === 'handle') expect(r.data.buffer).toBe(out.buffer);
    }
    expect(() => inflateExact(deflateSync(Buffer.from('abc')), 3, { engine, out: Buffer.alloc(3) })).toThrow(RangeError);
  });

  it('never allocates beyond the declared size for a stream that lies about its size', () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024));
    const e = failure(() => inflateExact(bomb, 100, { engine }));
    expect(e.reason).toBe('overlong');
  });
});

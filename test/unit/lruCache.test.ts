import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/util/LruCache.js';

describe('LruCache', () => {
  it('evicts the least recently used first; get and set both count as use', () => {
    const c = new LruCache<string, number>(3);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the most recent: b goes next
    c.set('d', 4);
    expect(c.get('b')).toBeUndefined();
    c.set('c', 30); // re-set refreshes c
    c.set('e', 5);
    expect(c.get('a')).toBeUndefined();
    expect([c.get('c'), c.get('d'), c.get('e')]).toEqual([30, 4, 5]);
    expect(c.size).toBe(3);
  });

  it('bounds by weight, evicting as many as needed, and never keeps a value heavier than the bound', () => {
    const c = new LruCache<number, Uint8Array>(100, (b) => b.length);
    for (let i = 0; i < 10; i++) c.set(i, new Uint8Array(10));
    expect(c.weight).toBe(100);
    c.set(99, new Uint8Array(35)); // pushes out the four oldest
    expect([0, 1, 2, 3].map((k) => c.get(k))).toEqual([undefined, undefined, undefined, undefined]);
    expect(c.get(4)?.length).toBe(10);
    expect(c.weight).toBe(95);
    c.set(5, new Uint8Array(101)); // too heavy: not kept, and the old value under that key is gone
    expect(c.get(5)).toBeUndefined();
    expect(c.weight).toBe(85);
  });

  it('deletes single keys and keys matching a predicate, keeping order and weight consistent', () => {
    const c = new LruCache<number, string>(1000, (s) => s.length);
    for (let i = 0; i < 20; i++) c.set(i, 'x'.repeat(i + 1));
    expect(c.delete(19)).toBe(true);
    expect(c.delete(19)).toBe(false);
    c.deleteWhere((k) => k % 2 === 0);
    expect(c.size).toBe(9);
    expect(c.weight).toBe([1, 3, 5, 7, 9, 11, 13, 15, 17].reduce((a, k) => a + k + 1, 0));
    // The list is still intact: filling past the bound evicts the oldest survivors in order.
    c.set(100, 'y'.repeat(1000 - 30));
    expect(c.get(1)).toBeUndefined();
    expect(c.get(17)).toBe('x'.repeat(18));
    c.clear();
    expect([c.size, c.weight, c.get(17)]).toEqual([0, 0, undefined]);
  });
});

interface Node<K, V> {
  key: K;
  value: V;
  weight: number;
  prev: Node<K, V> | undefined;
  next: Node<K, V> | undefined;
}

/**
 * A least-recently-used map bounded by total weight (entry count by default, or bytes, or tree
 * entries: whatever `weigh` returns), with O(1) get, set and eviction.
 *
 * Why not a bare `Map` re-inserting on each hit and evicting `map.keys().next()`: V8's ordered hash
 * tables leave a hole per deletion and only compact them when the table is resized, so every
 * "first key" lookup skips all the holes at the front. With a few thousand entries each eviction
 * cost microseconds (10 µs at 10k entries), and the pack reader's delta-base cache, churning one
 * entry per object, spent more time evicting than inflating. Here recency is a doubly linked list
 * beside the map, as in any textbook LRU.
 *
 * @example
 * const bases = new LruCache<number, Uint8Array>(16 << 20, (b) => b.length);
 * bases.set(offset, data);
 * bases.get(offset); // data, now the most recently used
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, Node<K, V>>();
  /** Least recently used end. */
  private head: Node<K, V> | undefined;
  /** Most recently used end. */
  private tail: Node<K, V> | undefined;
  private used = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** The value for `key`, which becomes the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const node = this.map.get(key);
    if (!node) return undefined;
    if (node !== this.tail) {
      this.unlink(node);
      this.append(node);
    }
    return node.value;
  }

  /** Stores `value` as the most recently used, evicting the least recently used past the bound. A value heavier than the whole bound is not kept. */
  set(key: K, value: V): void {
    const weight = this.weigh(value);
    const old = this.map.get(key);
    if (old) this.remove(old);
    if (weight > this.maxWeight) return;
    const node: Node<K, V> = { key, value, weight, prev: undefined, next: undefined };
    this.map.set(key, node);
    this.append(node);
    this.used += weight;
    while (this.used > this.maxWeight && this.head) this.remove(this.head);
  }

  delete(key: K): boolean {
    const node = this.map.get(key);
    if (node) this.remove(node);
    return node !== undefined;
  }

  /** Removes every entry whose key matches (a rare bulk purge, O(size)). */
  deleteWhere(match: (key: K) => boolean): void {
    for (let n = this.head; n; ) {
      const next = n.next;
      if (match(n.key)) this.remove(n);
      n = next;
    }
  }

  clear(): void {
    this.map.clear();
    this.head = this.tail = undefined;
    this.used = 0;
  }

  get size(): number {
    return this.map.size;
  }

  /** Total weight held. */
  get weight(): number {
    return this.used;
  }

  private remove(node: Node<K, V>): void {
    this.unlink(node);
    this.map.delete(node.key);
    this.used -= node.weight;
  }

  private unlink(node: Node<K, V>): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = undefined;
  }

  private append(node: Node<K, V>): void {
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }
}

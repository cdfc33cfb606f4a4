/**
 * The ordered, typed document tree every SOPS store reads into and writes from.
 *
 * sops walks one format-agnostic tree with one cipher; we do the same so YAML, JSON, dotenv and
 * binary share the encryption, the MAC and the rules. Scalars carry their sops type explicitly
 * because JavaScript cannot tell `1` from `1.0` and loses integers above 2^53, and both would
 * change the MAC and the `type:` tag sops writes.
 */

/** A leaf value, tagged with the sops type it is encrypted as. */
export type SopsScalar =
  | { type: 'str'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'null' };

/** One `key: value` entry of a map; maps keep their items in document order. */
export interface SopsMapItem {
  key: string;
  value: SopsNode;
}

/** An ordered map. */
export interface SopsMap {
  type: 'map';
  items: SopsMapItem[];
}

/** A list. */
export interface SopsList {
  type: 'list';
  items: SopsNode[];
}

/** Any node of the tree. */
export type SopsNode = SopsScalar | SopsMap | SopsList;

/**
 * A callback that sees every leaf with its key path (list indices are not part of the path,
 * as in sops) and returns the replacement leaf.
 */
export type LeafMapper = (leaf: SopsScalar, path: readonly string[]) => SopsScalar;

/**
 * Returns a copy of `node` with every non-null leaf replaced by `fn(leaf, path)`, visiting leaves
 * in document order (the order the MAC hashes them in).
 *
 * @example
 * const upper = mapLeaves(tree, (leaf) => leaf.type === 'str' ? str(leaf.value.toUpperCase()) : leaf);
 */
export function mapLeaves<T extends SopsNode>(node: T, fn: LeafMapper, path: readonly string[] = []): T {
  switch (node.type) {
    case 'map':
      return {
        type: 'map',
        items: node.items.map((item) => ({ key: item.key, value: mapLeaves(item.value, fn, [...path, item.key]) })),
      } as T;
    case 'list':
      return { type: 'list', items: node.items.map((item) => mapLeaves(item, fn, path)) } as T;
    case 'null':
      // sops leaves nulls alone: nothing to encrypt and nothing to hash.
      return node;
    default:
      return fn(node, path) as T;
  }
}

/**
 * Builds a string leaf.
 *
 * @example
 * setValue(tree, ['db', 'password'], str('hunter2'));
 */
export function str(value: string): SopsScalar {
  return { type: 'str', value };
}

/**
 * Builds an empty ordered map.
 *
 * @example
 * const tree = emptyMap(); setValue(tree, ['token'], str('abc'));
 */
export function emptyMap(): SopsMap {
  return { type: 'map', items: [] };
}

/**
 * Sets `path` in `map` to `value`, replacing an existing key in place (so key order is kept)
 * or appending a new key, creating intermediate maps as needed. Mutates and returns `map`.
 *
 * @example
 * setValue(tree, ['smtp', 'password'], str('s3cret'));
 */
export function setValue(map: SopsMap, path: readonly string[], value: SopsNode): SopsMap {
  if (path.length === 0) throw new TypeError('setValue needs a non-empty path');
  const [head, ...rest] = path as [string, ...string[]];
  const existing = map.items.find((item) => item.key === head);
  if (rest.length === 0) {
    if (existing) existing.value = value;
    else map.items.push({ key: head, value });
    return map;
  }
  if (existing && existing.value.type === 'map') {
    setValue(existing.value, rest, value);
    return map;
  }
  const child = setValue(emptyMap(), rest, value);
  if (existing) existing.value = child;
  else map.items.push({ key: head, value: child });
  return map;
}

/**
 * Sets or replaces top-level `key=value` string pairs (what `meta secret set k=v…` passes),
 * keeping the position of keys that already exist. Mutates and returns `map`.
 *
 * @example
 * setPairs(tree, [['DB_PASSWORD', 'hunter2'], ['API_TOKEN', 'abc']]);
 */
export function setPairs(map: SopsMap, pairs: Iterable<readonly [string, string]>): SopsMap {
  for (const [key, value] of pairs) setValue(map, [key], str(value));
  return map;
}

/**
 * Removes a top-level or nested key; returns whether it existed.
 *
 * @example
 * deleteValue(tree, ['old_token']);
 */
export function deleteValue(map: SopsMap, path: readonly string[]): boolean {
  if (path.length === 0) return false;
  const [head, ...rest] = path as [string, ...string[]];
  const index = map.items.findIndex((item) => item.key === head);
  if (index < 0) return false;
  if (rest.length === 0) {
    map.items.splice(index, 1);
    return true;
  }
  const child = map.items[index]!.value;
  return child.type === 'map' ? deleteValue(child, rest) : false;
}

/**
 * Reads the node at `path`, or undefined.
 *
 * @example
 * const leaf = getValue(tree, ['db', 'password']);
 */
export function getValue(map: SopsMap, path: readonly string[]): SopsNode | undefined {
  let node: SopsNode = map;
  for (const key of path) {
    if (node.type !== 'map') return undefined;
    const item: SopsMapItem | undefined = node.items.find((i) => i.key === key);
    if (!item) return undefined;
    node = item.value;
  }
  return node;
}

/** Plain JavaScript view of a tree (what JSON.parse would give), for callers and tests. */
export type PlainValue = string | number | bigint | boolean | null | Uint8Array | PlainValue[] | { [key: string]: PlainValue };

/**
 * Converts a tree to plain JavaScript values. Integers become numbers when they are safe, bigint
 * otherwise; key order is kept as far as JavaScript objects allow (integer-like keys move first).
 *
 * @example
 * expect(toPlain(decrypted.branches[0]!)).toEqual({ secret: 'this is a secret', int: 7 });
 */
export function toPlain(node: SopsNode): PlainValue {
  switch (node.type) {
    case 'map': {
      const out: { [key: string]: PlainValue } = {};
      for (const item of node.items) out[item.key] = toPlain(item.value);
      return out;
    }
    case 'list':
      return node.items.map(toPlain);
    case 'null':
      return null;
    case 'int':
      return node.value >= BigInt(Number.MIN_SAFE_INTEGER) && node.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(node.value)
        : node.value;
    default:
      return node.value;
  }
}

/**
 * Converts plain JavaScript values to a tree: integral numbers and bigints become `int`,
 * other numbers `float`. Use explicit leaves when a whole number must stay a float.
 *
 * @example
 * const tree = fromPlain({ user: 'app', port: 5432, ratio: 0.5, enabled: true }) as SopsMap;
 */
export function fromPlain(value: PlainValue): SopsNode {
  if (value === null) return { type: 'null' };
  if (typeof value === 'string') return { type: 'str', value };
  if (typeof value === 'boolean') return { type: 'bool', value };
  if (typeof value === 'bigint') return { type: 'int', value };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { type: 'int', value: BigInt(value) } : { type: 'float', value };
  }
  if (value instanceof Uint8Array) return { type: 'bytes', value };
  if (Array.isArray(value)) return { type: 'list', items: value.map(fromPlain) };
  return { type: 'map', items: Object.entries(value).map(([key, v]) => ({ key, value: fromPlain(v) })) };
}

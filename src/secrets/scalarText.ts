/**
 * How sops turns a typed leaf into bytes and back (Go's `strconv` formatting).
 *
 * The same bytes are encrypted and hashed into the MAC, so they must match sops exactly:
 * ints in decimal, floats as `strconv.FormatFloat(f, 'f', -1, 64)` (shortest round-trip digits,
 * never an exponent), bools Titlecased (`True`/`False`, a legacy of the Python sops).
 */
import { isUtf8 } from 'node:buffer';
import type { SopsScalar } from './tree.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A leaf as sops would write it. sops holds integers as Go `int` (64-bit): one beyond int64 is a
 * float64 in its JSON store (and in YAML beyond 2^64), and a `type:int` value it cannot parse back
 * makes the whole file unreadable to sops, so such integers are written as floats too (nearest
 * double; quote the value to keep every digit).
 *
 * @example
 * asSopsWrites({ type: 'int', value: 2n ** 64n }) // { type: 'float', value: 18446744073709552000 }
 */
export function asSopsWrites(leaf: SopsScalar): SopsScalar {
  if (leaf.type === 'int' && (leaf.value < INT64_MIN || leaf.value > INT64_MAX)) return { type: 'float', value: Number(leaf.value) };
  return leaf;
}

/**
 * Formats a float as Go's `strconv.FormatFloat(f, 'f', -1, 64)`.
 *
 * @example
 * formatGoFloat(3.14) // '3.14'
 * formatGoFloat(1e21) // '1000000000000000000000'
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (Object.is(f, -0)) return '-0';
  // JS already prints the shortest round-trip digits; only its exponent form needs expanding.
  const text = String(f);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, frac = '', expText] = match;
  const digits = lead! + frac;
  const exp = Number(expText);
  const pointAt = 1 + exp;
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/**
 * The bytes sops encrypts and hashes for a leaf (Go `sops.ToBytes` plus the cipher's formatting).
 *
 * @example
 * Buffer.from(scalarBytes({ type: 'bool', value: true })).toString() // 'True'
 */
export function scalarBytes(leaf: Exclude<SopsScalar, { type: 'null' }>): Uint8Array {
  switch (leaf.type) {
    case 'str':
      return Buffer.from(leaf.value, 'utf8');
    case 'int':
      return Buffer.from(leaf.value.toString(), 'utf8');
    case 'float':
      return Buffer.from(formatGoFloat(leaf.value), 'utf8');
    case 'bool':
      return Buffer.from(leaf.value ? 'True' : 'False', 'utf8');
    case 'bytes':
      return leaf.value;
  }
}

/**
 * Parses decrypted bytes back into a typed leaf, accepting what Go's `strconv` accepts; returns
 * undefined for an unknown type or unparsable text (the caller reports the file as damaged).
 *
 * @example
 * parseScalar('int', Buffer.from('7')) // { type: 'int', value: 7n }
 */
export function parseScalar(type: string, bytes: Uint8Array): SopsScalar | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  switch (type) {
    case 'str':
      // A Go string is any bytes (sops' binary store keeps whole files in one): bytes that are
      // not UTF-8 stay bytes, so they decrypt, hash into the MAC and re-encrypt exactly.
      return isUtf8(bytes) ? { type: 'str', value: text } : { type: 'bytes', value: Uint8Array.from(bytes) };
    case 'bytes':
      return { type: 'bytes', value: Uint8Array.from(bytes) };
    case 'int':
    case 'int64':
      return /^[+-]?\d+$/.test(text) ? { type: 'int', value: BigInt(text.replace(/^\+/, '')) } : undefined;
    case 'float': {
      const special: Record<string, number> = { NaN: NaN, Inf: Infinity, '+Inf': Infinity, '-Inf': -Infinity };
      const lower = text.toLowerCase();
      for (const [k, v] of Object.entries(special)) if (lower === k.toLowerCase()) return { type: 'float', value: v };
      const value = Number(text.replace(/_/g, ''));
      return text.trim() !== '' && !Number.isNaN(value) ? { type: 'float', value } : undefined;
    }
    case 'bool':
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { type: 'bool', value: true };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { type: 'bool', value: false };
      return undefined;
    default:
      return undefined;
  }
}

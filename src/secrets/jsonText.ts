/**
 * An order-preserving JSON reader and a writer that escapes like Go's `encoding/json`.
 *
 * `JSON.parse` cannot be used: it moves integer-like keys ("0", "42") to the front of objects
 * (changing the MAC order), turns `7` and `7.0` into the same number and rounds integers beyond
 * 2^53.
 */
import { MetaError } from '../errors/MetaError.js';
import type { SopsMap, SopsNode } from './tree.js';

/** Names the place, never the content: the text may be secret plaintext. */
function fail(text: string, at: number, what: string): MetaError {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return new MetaError('INVALID_ARGUMENT', `cannot read JSON: ${what} at line ${line}, column ${column}; fix the file and retry`, { line, column });
}

/**
 * Parses JSON into a typed tree. Numbers without fraction or exponent are ints, others floats.
 *
 * @example
 * parseJsonTree('{"b": 1, "a": 1.5}') // map b:int 1, a:float 1.5 (order kept)
 */
export function parseJsonTree(text: string): SopsNode {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const parseString = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) throw fail(text, start, 'unterminated string');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else throw fail(text, i, 'bad escape in string');
      } else {
        if (c < ' ') throw fail(text, i, 'control character in string');
        out += c;
        i++;
      }
    }
  };
  const parseValue = (): SopsNode => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map: SopsMap = { type: 'map', items: [] };
      ws();
      if (text[i] === '}') {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw fail(text, i, 'expected a key');
        const key = parseString();
        ws();
        if (text[i] !== ':') throw fail(text, i, 'expected ":"');
        i++;
        map.items.push({ key, value: parseValue() });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return map;
        }
        throw fail(text, i, 'expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: SopsNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { type: 'list', items };
      }
      for (;;) {
        items.push(parseValue());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'list', items };
        }
        throw fail(text, i, 'expected "," or "]"');
      }
    }
    if (c === '"') return { type: 'str', value: parseString() };
    for (const [word, node] of [['true', { type: 'bool', value: true }], ['false', { type: 'bool', value: false }], ['null', { type: 'null' }]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node as SopsNode;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) throw fail(text, i, 'unexpected character');
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) return { type: 'int', value: BigInt(m[0]) };
    return { type: 'float', value: Number(m[0]) };
  };
  const root = parseValue();
  ws();
  if (i !== text.length) throw fail(text, i, 'trailing content');
  return root;
}

/**
 * Quotes a string as Go's `json.Marshal` does (HTML-safe: `<`, `>`, `&` become `\u003c`…).
 *
 * @example
 * goJsonString('a<b') // '"a\\u003cb"'
 */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) {
      out += '\\u' + code.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** A value to write: a typed tree node or plain metadata values. */
type Writable = SopsNode | { plain: unknown };

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new MetaError('INVALID_ARGUMENT', `JSON cannot hold the float ${n}: use YAML or a string`, {});
  return String(n);
}

function writePlain(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const inner = indent + '    ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => inner + writePlain(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, x]) => `${inner}${goJsonString(k)}: ${writePlain(x, inner)}`).join(',\n') + '\n' + indent + '}';
}

/**
 * Writes a tree (plus optional trailing plain entries, for the metadata block) as indented JSON.
 *
 * @example
 * writeJsonTree(tree, [['sops', metadataObject]])
 */
export function writeJsonTree(node: SopsNode, extra: ReadonlyArray<readonly [string, unknown]> = [], indent = ''): string {
  const write = (w: Writable, ind: string): string => ('plain' in w ? writePlain(w.plain, ind) : writeJsonTree(w, [], ind));
  const inner = indent + '    ';
  switch (node.type) {
    case 'map': {
      const entries: Array<[string, Writable]> = [...node.items.map((i) => [i.key, i.value] as [string, Writable]), ...extra.map(([k, v]) => [k, { plain: v }] as [string, Writable])];
      if (entries.length === 0) return '{}';
      return '{\n' + entries.map(([k, v]) => `${inner}${goJsonString(k)}: ${write(v, inner)}`).join(',\n') + '\n' + indent + '}';
    }
    case 'list':
      if (node.items.length === 0) return '[]';
      return '[\n' + node.items.map((x) => inner + writeJsonTree(x, [], inner)).join(',\n') + '\n' + indent + ']';
    case 'null':
      return 'null';
    case 'str':
      return goJsonString(node.value);
    case 'bytes':
      return goJsonString(Buffer.from(node.value).toString('utf8'));
    case 'int':
      return node.value.toString();
    case 'float':
      return formatNumber(node.value);
    case 'bool':
      return String(node.value);
  }
}

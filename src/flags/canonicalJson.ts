import { MetaError } from '../errors/MetaError.js';

/** Deepest nesting of arrays and objects a flag document may have (targeting rules included). */
export const MAX_JSON_DEPTH = 64;

/**
 * Parses JSON text that came from a user or a client, refusing more than {@link MAX_JSON_DEPTH}
 * levels of nesting before anything recurses over it (a deeply nested rule would otherwise
 * exhaust the stack of every later reader). The message says what `what` is and never echoes it.
 *
 * @example
 * parseJsonText('{"flags":{}}', '--file') // { flags: {} }
 */
export function parseJsonText(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new MetaError('INVALID_ARGUMENT', `${what} is not valid JSON${pos ? ` (at character ${pos})` : ''}`, { what });
  }
  checkDepth(value, what);
  return value;
}

/** Refuses a value nested deeper than {@link MAX_JSON_DEPTH}, without recursion. */
export function checkDepth(value: unknown, what: string): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_JSON_DEPTH) throw new MetaError('INVALID_ARGUMENT', `${what} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels; flatten the rule (a shared rule can live in $evaluators)`, { what, maxDepth: MAX_JSON_DEPTH });
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
  }
}

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: the same flag set gives
 * the same text, so the same record bytes and githash. Written out directly rather than by
 * rebuilding objects, so a key such as `__proto__` stays an ordinary key.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new MetaError('INVALID_ARGUMENT', `a ${typeof value} has no JSON form`, {});
    return s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * Canonical JSON pretty-printed with two spaces (keys stay sorted), for people and for flagd's
 * file source.
 *
 * @example
 * prettyJson('{"flags":{}}') // '{\n  "flags": {}\n}\n'
 */
export function prettyJson(canonical: string): string {
  return `${JSON.stringify(JSON.parse(canonical), null, 2)}\n`;
}

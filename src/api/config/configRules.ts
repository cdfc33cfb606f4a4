/**
 * The rules of a config layer's contents, shared by the writer, the readers and the follower
 * (which applies them to a server's answer): what a key may be, how large a layer may grow, how
 * a JSON value is stored and how a secret reference is written.
 */
import { MetaError } from '../../errors/MetaError.js';
import { checkText } from '../../records/validate.js';
import type { ConfigValue } from '../../records/types.js';
import { checkSecretName } from '../secretsPaths.js';

/** A key: a letter or '_' first, then letters, digits, '_', '.' and '-' (environment-variable names fit); never `__proto__`. */
export const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
export const MAX_KEY_LENGTH = 128;
/** The largest layer (the sum of its keys and stored values, in UTF-8 bytes). */
export const MAX_LAYER_BYTES = 256 * 1024;
/** The most keys in one layer. */
export const MAX_KEYS = 4096;

/**
 * Checks a config key (INVALID_ARGUMENT naming the rule, never echoing control characters).
 *
 * @example
 * checkConfigKey('DATABASE_URL') // 'DATABASE_URL'
 */
export function checkConfigKey(key: string): string {
  // `__proto__` would set an object's prototype instead of a key wherever a reader assigns it.
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !CONFIG_KEY.test(key) || key === '__proto__') {
    throw new MetaError('INVALID_ARGUMENT', `invalid config key ${JSON.stringify(key.slice(0, 64))}: use a letter or '_' first, then letters, digits, '_', '.' and '-', up to ${MAX_KEY_LENGTH} characters`, { key: key.slice(0, 64) });
  }
  return key;
}

/** Checks a text value: free text (tabs and line breaks allowed, no other control characters). */
export function checkConfigText(key: string, text: string): string {
  return checkText(`config value of ${key}`, text);
}

/** JSON text with object keys sorted at every level, no insignificant white space. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

/**
 * Parses a `--json-value KEY=<json>` value and returns it in canonical form (INVALID_ARGUMENT when it is not JSON).
 *
 * @example
 * parseJsonValue('LIMITS', '{"b":1,"a":[true]}') // '{"a":[true],"b":1}'
 */
export function parseJsonValue(key: string, text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MetaError('INVALID_ARGUMENT', `--json-value ${key}: not JSON (${(e as Error).message.slice(0, 120)}); quote it for the shell, e.g. --json-value '${key}={"a":1}'`, { key });
  }
  return checkConfigText(key, canonicalJson(v));
}

/**
 * Parses `<secret-name>[#<field>]` (the field is a top-level key of the secret).
 *
 * @example
 * parseSecretSpec('DB_PASSWORD', 'db#password') // { name: 'db', field: 'password' }
 */
export function parseSecretSpec(key: string, spec: string): { name: string; field: string } {
  const i = spec.indexOf('#');
  const name = i < 0 ? spec : spec.slice(0, i);
  const field = i < 0 ? '' : spec.slice(i + 1);
  checkSecretName(name);
  if (i >= 0 && (field === '' || field.length > 256 || /[\0-\x1f\x7f-\x9f#]/.test(field))) {
    throw new MetaError('INVALID_ARGUMENT', `--secret ${key}: the field after '#' must be a non-empty key of the secret without control characters or '#'`, { key });
  }
  return { name, field };
}

/** How a secret reference is shown: `secret:<name>[#<field>]`. */
export function secretRefText(name: string, field: string): string {
  return `secret:${name}${field ? `#${field}` : ''}`;
}

/** A stored value as one short display text (secret references by name). */
export function valueText(v: ConfigValue): string {
  return v.type === 'text' ? v.text : v.type === 'json' ? v.json : secretRefText(v.name, v.field);
}

/** Bytes a layer takes against {@link MAX_LAYER_BYTES}. */
export function layerBytes(entries: readonly { key: string; value: ConfigValue }[]): number {
  let n = 0;
  for (const e of entries) n += Buffer.byteLength(e.key) + Buffer.byteLength(valueText(e.value));
  return n;
}

/** Refuses a layer over the size or key limits. */
export function checkLayerSize(entries: readonly { key: string; value: ConfigValue }[]): void {
  if (entries.length > MAX_KEYS) throw new MetaError('INVALID_ARGUMENT', `a config layer holds at most ${MAX_KEYS} keys (this one would hold ${entries.length}); split it or unset keys`, { keys: entries.length });
  const bytes = layerBytes(entries);
  if (bytes > MAX_LAYER_BYTES) throw new MetaError('INVALID_ARGUMENT', `a config layer holds at most ${MAX_LAYER_BYTES} bytes of keys and values (this one would hold ${bytes}); store large documents elsewhere`, { bytes, max: MAX_LAYER_BYTES });
}

/** True when two values are the same. */
export function sameValue(a: ConfigValue, b: ConfigValue): boolean {
  return a.type === b.type && valueText(a) === valueText(b);
}

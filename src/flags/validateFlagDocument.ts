import { MetaError } from '../errors/MetaError.js';
import { canonicalJson, checkDepth, parseJsonText } from './canonicalJson.js';

/** Largest flag set, as canonical JSON (1 MiB): a flag set is read whole by every evaluation. */
export const MAX_FLAG_DOCUMENT_BYTES = 1 << 20;
/** Longest flag key, in characters. */
export const MAX_FLAG_KEY_LENGTH = 256;

/** A flag set checked and in canonical form. */
export interface CheckedFlagDocument {
  /** Canonical JSON (keys sorted, no whitespace): what the record stores. */
  document: string;
  /** The parsed document (plain JSON values). */
  value: FlagDocument;
}

/** A flagd flag-definition document, as far as boot-meta reads it. */
export interface FlagDocument {
  $schema?: string;
  flags: Record<string, FlagDefinition>;
  $evaluators?: Record<string, unknown>;
  metadata?: Record<string, string | number | boolean>;
}

export interface FlagDefinition {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: unknown;
  metadata?: Record<string, string | number | boolean>;
}

/** The JSON pointer of a path, printable: control characters escaped, never raw. */
export function pointer(parts: readonly (string | number)[]): string {
  return parts.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) || '/';
}

function invalid(at: readonly (string | number)[], why: string, data: Record<string, unknown> = {}): MetaError {
  return new MetaError('INVALID_ARGUMENT', `flag set is invalid at ${pointer(at)}: ${why}`, { path: pointer(at), ...data });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Refuses a key a terminal, a log line or a URL would mangle. */
export function checkFlagKey(key: string, at: readonly (string | number)[] = ['flags', key]): string {
  if (key.length === 0) throw invalid(at, 'a flag key must not be empty');
  if (key.length > MAX_FLAG_KEY_LENGTH) throw invalid(at, `a flag key is at most ${MAX_FLAG_KEY_LENGTH} characters`);
  if (/\p{Cs}/u.test(key)) throw invalid(at, 'the flag key is not well-formed Unicode (a lone surrogate)');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(key)) throw invalid(at, 'the flag key contains a control character or line break; use printable characters (letters, digits, - _ .)');
  return key;
}

/** Every `{"$ref": name}` inside a rule, with its path. */
function refsIn(rule: unknown, at: (string | number)[]): { name: unknown; at: (string | number)[] }[] {
  const out: { name: unknown; at: (string | number)[] }[] = [];
  const stack: [unknown, (string | number)[]][] = [[rule, at]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...p, i]]));
    else if (isObject(v)) {
      if (Object.hasOwn(v, '$ref')) out.push({ name: v.$ref, at: [...p, '$ref'] });
      for (const [k, x] of Object.entries(v)) stack.push([x, [...p, k]]);
    }
  }
  return out;
}

/**
 * The rules of flagd's format that its JSON schema cannot express, checked first so the message
 * names the exact field: a default variant that is a variant, variants all of one type, `$ref`
 * naming an `$evaluators` entry, printable flag keys.
 */
function checkSemantics(doc: unknown): void {
  if (!isObject(doc)) throw invalid([], `a flag set is a JSON object with "flags", not ${typeOf(doc)}`);
  if (!isObject(doc.flags)) throw invalid(['flags'], doc.flags === undefined ? 'the "flags" object is required' : `"flags" must be an object of flags, not ${typeOf(doc.flags)}`);
  const evaluators = isObject(doc.$evaluators) ? doc.$evaluators : {};
  for (const [key, flag] of Object.entries(doc.flags)) {
    checkFlagKey(key);
    const at = ['flags', key];
    if (!isObject(flag)) throw invalid(at, `a flag must be an object, not ${typeOf(flag)}`);
    if (flag.state !== 'ENABLED' && flag.state !== 'DISABLED') throw invalid([...at, 'state'], 'state must be "ENABLED" or "DISABLED"');
    if (!isObject(flag.variants) || Object.keys(flag.variants).length === 0) throw invalid([...at, 'variants'], 'variants must be an object with at least one variant');
    const types = new Set(Object.values(flag.variants).map(typeOf));
    if (types.size > 1) throw invalid([...at, 'variants'], `variant values must all be of one type (boolean, string, number or object); found ${[...types].sort().join(', ')}`);
    const dv = flag.defaultVariant;
    if (dv !== undefined && dv !== null) {
      if (typeof dv !== 'string') throw invalid([...at, 'defaultVariant'], `defaultVariant must be a variant name or null, not ${typeOf(dv)}`);
      if (!Object.hasOwn(flag.variants, dv)) throw invalid([...at, 'defaultVariant'], `defaultVariant names no variant (variants: ${Object.keys(flag.variants).slice(0, 10).map((v) => JSON.stringify(v)).join(', ')})`);
    }
    for (const ref of refsIn(flag.targeting, [...at, 'targeting'])) {
      if (typeof ref.name !== 'string' || !Object.hasOwn(evaluators, ref.name)) {
        throw invalid(ref.at, `$ref must name an entry of $evaluators${Object.keys(evaluators).length ? ` (${Object.keys(evaluators).slice(0, 10).map((v) => JSON.stringify(v)).join(', ')})` : ' (there are none)'}`);
      }
    }
  }
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The most specific of the schema errors flagd's validator reports (the deepest path). */
function schemaProblem(message: string): MetaError {
  let errors: AjvError[] = [];
  const i = message.indexOf(': ');
  try {
    if (i >= 0) errors = JSON.parse(message.slice(i + 2)) as AjvError[];
  } catch {
    errors = [];
  }
  const best = [...errors].sort((a, b) => (b.instancePath ?? '').split('/').length - (a.instancePath ?? '').split('/').length)[0];
  if (!best) return new MetaError('INVALID_ARGUMENT', 'flag set does not match flagd\'s flag-definition schema', {});
  const parts = (best.instancePath ?? '').split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = best.params && typeof best.params.additionalProperty === 'string' ? ` ('${String(best.params.additionalProperty).slice(0, 100)}')` : best.params && Array.isArray(best.params.allowedValues) ? ` (${best.params.allowedValues.join(', ')})` : '';
  return invalid(parts, `${best.message ?? 'does not match the schema'}${extra} (flagd's flag-definition schema)`);
}

/**
 * Checks a flag set against flagd's published flag-definition schema (flags.json and
 * targeting.json, "https://flagd.dev/schema/v0/flags.json") and the rules the schema cannot
 * express, and returns it in canonical JSON. The schema check is the validator
 * `@openfeature/flagd-core` compiles from that schema (loaded lazily: it is large); targeting
 * that flagd could not compile (an unknown operator) is refused too, as is a document over
 * {@link MAX_FLAG_DOCUMENT_BYTES} or nested deeper than 64 levels. Errors are INVALID_ARGUMENT
 * naming the bad field as a JSON pointer (`/flags/new-ui/defaultVariant`).
 *
 * @example
 * const { document } = await validateFlagDocument('{"flags":{"dark":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}}}');
 */
export async function validateFlagDocument(input: string | unknown): Promise<CheckedFlagDocument> {
  if (typeof input === 'string' && Buffer.byteLength(input) > 4 * MAX_FLAG_DOCUMENT_BYTES) throw tooLarge(Buffer.byteLength(input));
  const value = typeof input === 'string' ? parseJsonText(input, 'the flag set') : input;
  if (typeof input !== 'string') checkDepth(value, 'the flag set');
  checkSemantics(value);
  const document = canonicalJson(value);
  const size = Buffer.byteLength(document);
  if (size > MAX_FLAG_DOCUMENT_BYTES) throw tooLarge(size);
  const { MemoryStorage } = await import('@openfeature/flagd-core');
  const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
  const storage = new MemoryStorage(quiet);
  try {
    storage.setConfigurations(document, true);
  } catch (e) {
    const err = e as Error & { cause?: unknown };
    if (/^invalid flagd flag configuration: /.test(err.message)) throw schemaProblem(err.message);
    const why = err.cause instanceof Error ? err.cause.message.split('\n')[0]!.slice(0, 200) : err.message.slice(0, 200);
    throw new MetaError('INVALID_ARGUMENT', `flagd cannot load the flag set: ${why}`, {});
  }
  // flagd loads a set whose targeting does not compile and answers PARSE_ERROR for that flag at
  // every evaluation; such a rule is refused here instead.
  for (const [key, flag] of storage.getFlags()) {
    if (flag.evaluate({}, quiet).errorCode === 'PARSE_ERROR') {
      throw invalid(['flags', key, 'targeting'], "flagd cannot compile this rule (an unknown operator, or arguments of the wrong shape); see flagd's targeting operators");
    }
  }
  return { document, value: value as FlagDocument };
}

function tooLarge(size: number): MetaError {
  return new MetaError('INVALID_ARGUMENT', `the flag set is ${size} bytes; the limit is ${MAX_FLAG_DOCUMENT_BYTES} bytes (1 MiB) of canonical JSON; split flags across channels or share rules through $evaluators`, { size, max: MAX_FLAG_DOCUMENT_BYTES });
}

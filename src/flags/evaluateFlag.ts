import type { FlagdCore } from '@openfeature/flagd-core';
import { MetaError } from '../errors/MetaError.js';
import { LruCache } from '../util/LruCache.js';

export type FlagValueType = 'boolean' | 'string' | 'number' | 'object';

export const FLAG_VALUE_TYPES: readonly FlagValueType[] = ['boolean', 'string', 'number', 'object'];

/** OpenFeature resolution details, as flagd gives them. */
export interface FlagResolution {
  key: string;
  /** The variant's value; on an error (and for DISABLED) the caller's default. */
  value: unknown;
  variant?: string;
  /** STATIC, TARGETING_MATCH, DEFAULT, DISABLED or ERROR. */
  reason: string;
  /** FLAG_NOT_FOUND, TYPE_MISMATCH, PARSE_ERROR, GENERAL … (only with reason ERROR). */
  errorCode?: string;
  errorMessage?: string;
  flagMetadata: Record<string, string | number | boolean>;
}

export interface EvaluateOptions {
  /** The type the caller asks for (default: the type of the flag's variants). */
  type?: FlagValueType;
  /** What an error answers with (default null). */
  defaultValue?: unknown;
  /** The evaluation context; `targetingKey` drives `fractional`. flagd adds `$flagd.flagKey` and `$flagd.timestamp`. */
  context?: Record<string, unknown>;
}

/**
 * Loaded flag sets by their canonical text (building one compiles every targeting rule), bounded
 * by the total size of their documents.
 */
const loaded = new LruCache<string, { core: FlagdCore | Error; size: number }>(32 << 20, (v) => v.size);

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

async function load(document: string): Promise<FlagdCore | Error> {
  const hit = loaded.get(document);
  if (hit) return hit.core;
  // Lazily: flagd-core with its JSON Logic engine is far too heavy for the CLI's start-up path.
  const { FlagdCore, MemoryStorage } = await import('@openfeature/flagd-core');
  let core: FlagdCore | Error;
  try {
    const storage = new MemoryStorage(quiet);
    storage.setConfigurations(document, false);
    core = new FlagdCore(storage, quiet);
  } catch (e) {
    core = e instanceof Error ? e : new Error(String(e));
  }
  // Parsed and compiled, a set takes a few times the memory of its text.
  loaded.set(document, { core, size: document.length * 4 + 1024 });
  return core;
}

/** Refuses a context that is not an object, or a `targetingKey` that is not a string. */
export function checkEvaluationContext(context: unknown, what = 'the evaluation context'): Record<string, unknown> {
  if (context === undefined || context === null) return {};
  if (typeof context !== 'object' || Array.isArray(context)) throw new MetaError('INVALID_ARGUMENT', `${what} must be a JSON object`, {});
  const c = context as Record<string, unknown>;
  if (c.targetingKey !== undefined && typeof c.targetingKey !== 'string') throw new MetaError('INVALID_ARGUMENT', `${what}: targetingKey must be a string`, {});
  return c;
}

/** The type of a flag's variants, or undefined when the set has no such flag. */
function variantType(core: FlagdCore, key: string): FlagValueType | undefined {
  const flag = core.getFlag(key);
  if (!flag) return undefined;
  const first = flag.variants.values().next().value;
  const t = typeof first;
  return t === 'boolean' || t === 'string' || t === 'number' ? t : 'object';
}

function toResolution(key: string, r: { value?: unknown; variant?: string; reason?: string; errorCode?: string; errorMessage?: string; flagMetadata?: Record<string, string | number | boolean> }, defaultValue: unknown): FlagResolution {
  // In OpenFeature's order: key, value, variant, reason, errorCode, errorMessage, flagMetadata.
  const out = { key, value: r.value === undefined ? defaultValue : r.value } as FlagResolution;
  if (r.variant !== undefined) out.variant = r.variant;
  out.reason = r.reason ?? 'UNKNOWN';
  if (r.errorCode !== undefined) out.errorCode = r.errorCode;
  if (r.errorMessage !== undefined) out.errorMessage = r.errorMessage;
  out.flagMetadata = { ...(r.flagMetadata ?? {}) };
  return out;
}

/**
 * Evaluates one flag of a flag set exactly as flagd does, with flagd's own evaluation core
 * (`@openfeature/flagd-core`: its JSON Logic engine and the `fractional`, `sem_ver`,
 * `starts_with`, `ends_with` operators, `$ref` to `$evaluators`). A document flagd cannot load
 * answers PARSE_ERROR; a missing flag FLAG_NOT_FOUND; a flag of another type than asked
 * TYPE_MISMATCH; each with `value` the default.
 *
 * @example
 * const r = await evaluateFlag(doc, 'new-ui', { context: { targetingKey: 'user-1', email: 'a@example.com' } });
 * r.value; r.variant; r.reason; // true 'on' 'TARGETING_MATCH'
 */
export async function evaluateFlag(document: string, key: string, opts: EvaluateOptions = {}): Promise<FlagResolution> {
  const core = await load(document);
  const defaultValue = opts.defaultValue === undefined ? null : opts.defaultValue;
  if (core instanceof Error) {
    return { key, value: defaultValue, reason: 'ERROR', errorCode: 'PARSE_ERROR', errorMessage: 'the flag set cannot be loaded by flagd', flagMetadata: {} };
  }
  const context = checkEvaluationContext(opts.context);
  const type = opts.type ?? variantType(core, key) ?? 'object';
  // flagd-core compares the value's JavaScript type with the one asked for; the default is only returned.
  const r = core.resolve(type, key, defaultValue as never, context as never);
  return toResolution(key, r as never, defaultValue);
}

/**
 * Evaluates every enabled flag of a set (OFREP's bulk evaluation, flagd's `resolveAll`):
 * disabled flags are left out, and so are flags whose evaluation gave no value.
 *
 * @example
 * const all = await evaluateAllFlags(doc, { targetingKey: 'user-1' });
 */
export async function evaluateAllFlags(document: string, context: Record<string, unknown> = {}): Promise<FlagResolution[] | { parseError: string }> {
  const core = await load(document);
  if (core instanceof Error) return { parseError: 'the flag set cannot be loaded by flagd' };
  const ctx = checkEvaluationContext(context);
  const out: FlagResolution[] = [];
  for (const [key, flag] of core.getFlags()) {
    if (flag.state === 'DISABLED') continue;
    const type = variantType(core, key) ?? 'object';
    out.push(toResolution(key, core.resolve(type, key, null as never, ctx as never) as never, undefined));
  }
  return out;
}

import { MetaError } from '../errors/MetaError.js';

export type FieldType = 'string' | 'number' | 'boolean' | 'string[]' | 'object[]' | 'labels';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  /** For `object[]`: the shape of each element. */
  of?: Record<string, FieldSpec>;
}

/**
 * Checks a parsed JSON value against a flat schema: an object with exactly the known fields, each
 * of its type. Unknown fields are refused (a typo must not silently drop what the caller meant).
 */
export function checkShape(value: unknown, schema: Record<string, FieldSpec>, where = 'body'): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MetaError('INVALID_ARGUMENT', `${where} must be a JSON object`, { where });
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!Object.hasOwn(schema, k)) throw new MetaError('INVALID_ARGUMENT', `${where}: unknown field '${k}' (known: ${Object.keys(schema).join(', ')})`, { where, field: k });
  }
  for (const [k, spec] of Object.entries(schema)) {
    const v = obj[k];
    if (v === undefined || v === null) {
      if (spec.required) throw new MetaError('INVALID_ARGUMENT', `${where}: field '${k}' is required`, { where, field: k });
      continue;
    }
    const bad = () => new MetaError('INVALID_ARGUMENT', `${where}: field '${k}' must be ${spec.type === 'labels' ? 'an object of string values' : spec.type}`, { where, field: k });
    switch (spec.type) {
      case 'string': if (typeof v !== 'string') throw bad(); break;
      case 'number': if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(); break;
      case 'boolean': if (typeof v !== 'boolean') throw bad(); break;
      case 'string[]': if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(); break;
      case 'object[]':
        if (!Array.isArray(v)) throw bad();
        v.forEach((x, i) => checkShape(x, spec.of ?? {}, `${where}.${k}[${i}]`));
        break;
      case 'labels':
        if (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string')) throw bad();
        break;
    }
  }
  return obj;
}

/** `{k: v}` into sorted labels. */
export function toLabels(v: unknown): { key: string; value: string }[] | undefined {
  if (!v) return undefined;
  return Object.entries(v as Record<string, string>).map(([key, value]) => ({ key, value }));
}

import { MetaError } from '../errors/MetaError.js';

/** The label an API write keeps the body's `actor` under: who the token holder says it acts for. */
export const ON_BEHALF_OF = 'on-behalf-of';

/** The record and commit actor of a write made with a bearer token. */
export function tokenActor(token: string): string {
  return `token:${token}`;
}

/**
 * The body's `actor`, checked for use as the on-behalf-of label (undefined when absent or empty).
 * It is a claim of the token holder, never the record's actor: at most 256 characters of
 * well-formed Unicode, without control or bidirectional-override characters that could disguise
 * it when shown.
 */
export function checkOnBehalfOf(body: Record<string, unknown>): string | undefined {
  checkReservedLabels(body.labels);
  const v = body.actor;
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' must be a string', { field: 'actor' });
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v)) throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' is not well-formed Unicode (lone surrogate)', { field: 'actor' });
  if ([...v].length > 256) throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' is longer than 256 characters', { field: 'actor' });
  if (/[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u.test(v)) {
    throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' holds control or bidirectional-formatting characters', { field: 'actor' });
  }
  if (v.trim() !== v) throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' has leading or trailing white space', { field: 'actor' });
  return v;
}

/** Refuses a label the server sets itself, so a caller cannot forge it. */
export function checkReservedLabels(labels: unknown): void {
  if (labels && typeof labels === 'object' && Object.hasOwn(labels, ON_BEHALF_OF)) {
    throw new MetaError('INVALID_ARGUMENT', `body: label '${ON_BEHALF_OF}' is set by the server from the body's actor; send "actor" instead`, { field: 'labels' });
  }
}

/**
 * Dotted setting keys: `push`, `serve.tokens`, `webhooks.0.url` (a number indexes a list).
 */
import { MetaError } from '../errors/MetaError.js';

/**
 * Splits a dotted key into its path: names, and numbers for list positions.
 *
 * @example
 * parseSettingsKey('webhooks.0.url') // ['webhooks', 0, 'url']
 */
export function parseSettingsKey(key: string): (string | number)[] {
  const parts = key.split('.');
  if (key === '' || parts.some((p) => !/^[A-Za-z0-9_-]{1,64}$/.test(p))) {
    throw new MetaError('INVALID_ARGUMENT', `setting key ${JSON.stringify(key)} must be dotted names and list positions, e.g. push, serve.tokens or webhooks.0.url`, { key });
  }
  if (/^\d+$/.test(parts[0]!)) throw new MetaError('INVALID_ARGUMENT', `setting key ${JSON.stringify(key)} must start with a setting name, not a list position`, { key });
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

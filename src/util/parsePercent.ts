import { MetaError } from '../errors/MetaError.js';

/**
 * A whole percentage `20%` or `20` (0…100). Throws INVALID_ARGUMENT naming `what`.
 *
 * @example
 * parsePercent('20%', '--max-failed'); // 20
 */
export function parsePercent(text: string, what: string): number {
  const m = /^(\d{1,3})%?$/.exec(text.trim());
  if (!m || Number(m[1]) > 100) throw new MetaError('INVALID_ARGUMENT', `${what} '${text}' is not a percentage: use a whole number from 0 to 100, such as 20%`, { value: text });
  return Number(m[1]);
}

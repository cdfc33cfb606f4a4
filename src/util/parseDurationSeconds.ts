import { MetaError } from '../errors/MetaError.js';

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A duration such as `30s`, `15m`, `1h30m`, `2d` or a bare number of seconds, in whole seconds.
 * Throws INVALID_ARGUMENT naming `what`.
 *
 * @example
 * parseDurationSeconds('1h30m', '--wave-interval'); // 5400
 */
export function parseDurationSeconds(text: string, what: string): number {
  const t = text.trim();
  if (/^\d{1,9}$/.test(t)) return Number(t);
  if (!/^(\d{1,9}[smhd])+$/.test(t)) {
    throw new MetaError('INVALID_ARGUMENT', `${what} '${text}' is not a duration: use a number with a unit, such as 30s, 15m, 1h30m or 2d`, { value: text });
  }
  let total = 0;
  for (const m of t.matchAll(/(\d+)([smhd])/g)) total += Number(m[1]) * UNIT[m[2]!]!;
  if (!Number.isSafeInteger(total)) throw new MetaError('INVALID_ARGUMENT', `${what} '${text}' is too long`, { value: text });
  return total;
}

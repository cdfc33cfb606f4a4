/**
 * Durations and percentages as people write them in a pipeline file: `30m`, `5s`, `1h30m`,
 * `250ms`, `2d`; `20%` or `20`. Pure, so the pipeline parser and its tests share one reading.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration written as one or more `<integer><unit>` parts (units ms, s, m, h,
 * d, largest first, each at most once), or undefined when it is not one. A bare number is not a
 * duration: `30` could mean seconds or minutes, and a pipeline must not guess.
 *
 * @example
 * parseDurationMs('1h30m') // 5_400_000
 * parseDurationMs('5x')    // undefined
 */
export function parseDurationMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (t === '' || t.length > 40) return undefined;
  const re = /(\d{1,9})(ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  let lastRank = Infinity;
  const rank = ['ms', 's', 'm', 'h', 'd'];
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const r = rank.indexOf(m[2]!);
    if (r >= lastRank) return undefined;
    lastRank = r;
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== t.length) return undefined;
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * A whole percentage 0–100 written as `20%`, `20` or the number 20; undefined otherwise.
 *
 * @example
 * parsePercent('20%') // 20
 * parsePercent(120)   // undefined
 */
export function parsePercent(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*\d{1,3}\s*%?\s*$/.test(v)) n = Number(v.replace('%', '').trim());
  else return undefined;
  return Number.isInteger(n) && n >= 0 && n <= 100 ? n : undefined;
}

/**
 * A duration for people: `1h30m`, `45s`, `250ms`.
 *
 * @example
 * formatDuration(5_400_000) // '1h30m'
 */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.ceil(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('');
}

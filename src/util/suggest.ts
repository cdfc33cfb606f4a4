/**
 * "Did you mean …?": the closest names to a mistyped one. Shared by the CLI's parser (options,
 * commands) and the library (channels, environments), so both suggest the same way.
 */

/**
 * Optimal string alignment distance (Levenshtein with adjacent transpositions).
 *
 * @example
 * editDistance('stabel', 'stable') // 1
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest candidates to `input` (at most three), or none when nothing is close.
 *
 * @example
 * suggest('stabel', ['stable', 'beta']) // ['stable']
 */
export function suggest(input: string, candidates: Iterable<string>): string[] {
  const scored: [string, number][] = [];
  // A third of the input: "stabel" → "stable" (1 of 6), never "frobnicate" → "replicate" (4 of 10).
  const limit = Math.max(1, Math.floor(input.length / 3));
  for (const c of new Set(candidates)) {
    const score = input.length >= 3 && c.startsWith(input) ? 0.5 : editDistance(input.toLowerCase(), c.toLowerCase());
    if (score <= limit) scored.push([c, score]);
  }
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map(([, s]) => s));
  return scored.filter(([, s]) => s === best).map(([c]) => c).slice(0, 3);
}

/**
 * `a`, `a or b`, `a, b or c`.
 *
 * @example
 * orList(['stable', 'beta']) // 'stable or beta'
 */
export function orList(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

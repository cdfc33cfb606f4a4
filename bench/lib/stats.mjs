// Small statistics and formatting helpers for the benchmark harness.

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds with a sensible number of digits. */
export function fmtMs(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

export function fmtMB(kb) {
  if (kb === undefined || Number.isNaN(kb)) return '–';
  return `${(kb / 1024).toFixed(0)} MB`;
}

export function fmtRatio(r) {
  if (r === undefined || Number.isNaN(r) || !Number.isFinite(r)) return '–';
  return `${r.toFixed(2)}×`;
}

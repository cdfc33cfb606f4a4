/**
 * Waits `ms`, or less when `signal` aborts (resolving, not rejecting: callers re-check their own
 * stop condition). The one sleep every retry loop uses.
 *
 * @example
 * await pause(backoffMs(attempt, { baseMs: 50, capMs: 2000, jitter: true }), signal);
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** How {@link backoffMs} grows: `baseMs · 2^(attempt-1)` up to `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs: number;
  /** Full jitter (a uniform draw below the step): concurrent writers retrying in step spread out. */
  jitter?: boolean;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): exponential, capped, and with
 * full jitter when asked, as in AWS's "Exponential Backoff and Jitter".
 *
 * @example
 * backoffMs(3, { baseMs: 100, capMs: 1000 }); // 400
 */
export function backoffMs(attempt: number, b: Backoff): number {
  const step = Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  return b.jitter ? Math.random() * step : step;
}

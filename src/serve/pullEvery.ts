/** A running pull loop. */
export interface PullLoop {
  /** Stops the loop; resolves once a pull in progress has ended. */
  stop(): Promise<void>;
}

/**
 * The one pull loop of the services (`meta serve --remote`, `meta follow --remote`, `meta watch
 * --remote`): runs `pullOnce` at once, then again `intervalMs` after each run ends (never two at
 * a time, however slow the remote), until stopped. A failed pull is reported through `onError`
 * and the loop goes on; `onPulled` follows each pull that succeeded.
 *
 * @example
 * const loop = pullEvery(() => pull(repo).then(() => undefined), 10_000, { onError: (e) => log(e.message) });
 * await loop.stop();
 */
export function pullEvery(pullOnce: () => Promise<void>, intervalMs: number, hooks: { onPulled?: () => void; onError: (e: Error) => void }): PullLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    running = (async () => {
      try {
        await pullOnce();
        hooks.onPulled?.();
      } catch (e) {
        hooks.onError(e as Error);
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    })();
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

import type { ServerResponse } from 'node:http';

/** Requests waiting for the tip to move (`?wait=` long-polls); `wake()` releases them all. */
export class LongPoll {
  private waiters = new Set<() => void>();

  /** Resolves on the next `wake()`, after `ms`, or when the client went away. */
  next(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        res.off('close', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
      res.on('close', done);
    });
  }

  /** Releases every waiting request (the tip moved, or the server closes). */
  wake(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const f of w) f();
  }
}

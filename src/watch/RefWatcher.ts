import type { Repository } from '../store/Repository.js';

export interface RefWatcherOptions {
  /** A safety-net re-read of the ref, in case a file system drops change notifications (ms; 0: off). */
  pollMs?: number;
  /** Coalesces a burst of ref events (lock, rename, packed-refs) into one check (ms). */
  debounceMs?: number;
}

/**
 * Notices when a repository's branch tip moves, by whoever moved it: boot-meta itself, a plain
 * `git fetch`/`git pull`/`git update-ref`, or `git gc` packing refs. For a repository on the disk
 * chokidar watches the files the repository names (`refs/`, `packed-refs`, `HEAD`; never the
 * object store), and a slow poll backs it up; a repository elsewhere (memfs) is polled only.
 *
 * @example
 * const w = new RefWatcher(repo.store, (tip) => console.log('moved to', tip));
 * await w.start();
 * // …
 * await w.close();
 */
export class RefWatcher {
  private last: string | undefined;
  private watcher?: { close(): Promise<void> };
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: Repository,
    private readonly onTip: (tip: string | undefined, previous: string | undefined) => void,
    private readonly opts: RefWatcherOptions = {},
  ) {
    this.last = store.tip();
  }

  /** The tip as last seen. */
  get tip(): string | undefined {
    return this.last;
  }

  async start(): Promise<void> {
    const files = this.store.refFiles();
    if (files) {
      const { watch } = await import('chokidar');
      const w = watch(files.dir, { ignoreInitial: true, depth: 8, ignored: (p: string) => !files.affectsTip(p.replace(/\/+$/, '')) });
      w.on('all', () => this.kick());
      w.on('error', () => { /* the poll still runs */ });
      await new Promise<void>((resolve) => w.once('ready', () => resolve()));
      this.watcher = w;
    }
    const pollMs = this.opts.pollMs ?? 2000;
    if (pollMs > 0) {
      this.timer = setInterval(() => this.check(), pollMs);
      this.timer.unref();
    }
    // A move between construction and the watcher being ready is not lost.
    this.check();
  }

  /** Re-read the tip now (after an in-process write, so listeners need not wait for the fs event). */
  check(): void {
    if (this.closed) return;
    let tip: string | undefined;
    try {
      tip = this.store.tip();
    } catch {
      return; // a ref being rewritten mid-read: the next event or poll reads it again
    }
    if (tip === this.last) return;
    const prev = this.last;
    this.last = tip;
    this.onTip(tip, prev);
  }

  private kick(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.check();
    }, this.opts.debounceMs ?? 15);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.watcher?.close();
  }
}

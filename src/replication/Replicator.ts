import type { MetaRepo } from '../api/openMeta.js';
import { listEvents, type MetaEventOut } from '../api/events.js';
import { readMetaSettings } from '../api/readMetaSettings.js';
import { replicateBinary, type ReplicateBinaryResult } from '../api/replicateBinary.js';
import { expandLocation, projectMatches, readReplication, templateValues, type ReplicationRule } from '../api/storageSettings.js';
import { formatProblem } from '../api/settingsProblem.js';
import { parsePlatform } from '../records/names.js';
import type { Binary } from '../records/types.js';
import type { BlobStorage } from '../storage/BlobStorage.js';
import { FsStateDir, type StateDir } from '../store/StateDir.js';
import { diskFs } from '../api/diskFs.js';

export interface ReplicatorOptions {
  repo: MetaRepo;
  /** Where the cursor lives (default: the repository's `meta-replication` state directory, outside its content). */
  stateDir?: string;
  /** Destinations copied at once per binary (default 10). */
  parallel?: number;
  /** Further attempts per destination (default 5). */
  retries?: number;
  backoff?: { baseMs: number; capMs: number };
  storage?: BlobStorage;
  log?: (line: string) => void;
  /** Told of each binary handled. */
  onReplicated?: (r: ReplicateBinaryResult) => void;
  /** Longest sleep without a kick before the log is read again (default 10 s). */
  pollMs?: number;
}

interface Cursor {
  v: 1;
  /** The id of the last event handled (`<commit>:<n>`) or a commit. */
  after: string;
}

const CURSOR = 'cursor.json';

/**
 * Replicates every newly recorded binary to the destinations meta.yaml's `replication` rules name.
 * The git log is the queue, as for webhooks: a durable cursor outside the repository content
 * (the last binary event handled) makes it at-least-once and resumable after a restart. A binary
 * is handled when each destination has a verified copy (a location record) or finally failed (a
 * `binary.replication_failed` event); then the cursor moves past it. Destinations that already
 * have a location record are skipped, so a re-run after a crash copies nothing twice.
 *
 * @example
 * const r = new Replicator({ repo, log: console.error });
 * r.start(); r.kick();   // after every tip move
 * await r.close();
 */
export class Replicator {
  private readonly dir: StateDir;
  private stopped = false;
  private waker?: () => void;
  private woken = false;
  private done?: Promise<void>;
  private settingsOid: string | undefined | null = null;
  private rules: ReplicationRule[] = [];
  private readonly abort = new AbortController();

  constructor(private readonly opts: ReplicatorOptions) {
    this.dir = opts.stateDir !== undefined ? new FsStateDir(diskFs, opts.stateDir.replace(/(.)\/+$/, '$1')) : opts.repo.store.stateDir('meta-replication');
  }

  /** Where the cursor is kept. */
  get statePath(): string {
    return this.dir.path;
  }

  start(): void {
    this.done ??= this.loop().catch((e) => this.opts.log?.(`replication stopped: ${(e as Error).stack ?? e}`));
  }

  /** Look at the log now (the tip moved). */
  kick(): void {
    this.woken = true;
    this.waker?.();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.kick();
    await this.done;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => finish(), ms);
      const finish = () => {
        clearTimeout(t);
        this.waker = undefined;
        this.woken = false;
        resolve();
      };
      this.waker = finish;
    });
  }

  private readRules(): ReplicationRule[] {
    const snap = this.opts.repo.store.snapshot();
    const oid = snap.entry('meta.yaml')?.oid;
    if (oid !== this.settingsOid) {
      this.settingsOid = oid;
      try {
        const r = readReplication(readMetaSettings(snap));
        this.rules = r.rules;
        for (const p of r.problems) this.opts.log?.(`replication: ${p.warning ? 'warning' : 'skipped invalid entry'} meta.yaml ${formatProblem(p)}`);
      } catch (e) {
        this.opts.log?.(`replication: ${(e as Error).message}`);
        this.rules = [];
      }
    }
    return this.rules;
  }

  private readCursor(): string | undefined {
    const text = this.dir.readText(CURSOR);
    if (text === undefined) return undefined;
    try {
      const c = JSON.parse(text) as Cursor;
      if (typeof c.after === 'string' && /^[0-9a-f]{40}(:\d+)?$/.test(c.after)) return c.after;
    } catch { /* rewritten below */ }
    this.opts.log?.(`replication: ${this.dir.path}/${CURSOR} is unreadable; starting again where replication was configured`);
    return undefined;
  }

  private writeCursor(after: string): void {
    this.dir.write(CURSOR, JSON.stringify({ v: 1, after } satisfies Cursor), { durable: true });
  }

  /**
   * With no cursor yet, replication starts at the commit that first configured it, so which
   * binaries are copied does not depend on when a server first ran.
   */
  private startingPoint(): string | undefined {
    const store = this.opts.repo.store;
    for (const e of store.log().entries()) {
      if (!e.added.includes('meta.yaml') && !e.changed.includes('meta.yaml')) continue;
      try {
        if (readReplication(readMetaSettings(store.snapshot(e.commit))).rules.length > 0) return e.commit;
      } catch { /* an invalid meta.yaml in history: keep looking */ }
    }
    return undefined;
  }

  private cursor: string | undefined;
  private cursorRead = false;
  private lastProblem = '';

  /**
   * Handles the next batch of binaries after the cursor; false when there was nothing to do
   * (no rules, nothing new, or a cursor that needs a person).
   */
  private async step(): Promise<boolean> {
    if (!this.cursorRead) {
      this.cursor = this.readCursor();
      this.cursorRead = true;
    }
    const rules = this.readRules();
    if (rules.length === 0) return false;
    if (this.cursor === undefined) {
      this.cursor = this.startingPoint();
      if (this.cursor === undefined) return false;
      this.writeCursor(this.cursor);
    }
    let events: MetaEventOut[];
    try {
      events = listEvents(this.opts.repo, { since: this.cursor, types: ['binary.recorded'], limit: 100 });
      this.lastProblem = '';
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastProblem) this.opts.log?.(`replication: ${msg}; waiting (fix or delete ${this.dir.path}/${CURSOR})`);
      this.lastProblem = msg;
      return false;
    }
    if (events.length === 0) return false;
    for (const ev of events) {
      if (this.stopped) return false;
      await this.handle(ev, rules);
      // Stopped mid-copy: the binary is handled again after the restart (at-least-once).
      if (this.stopped) return false;
      this.cursor = ev.id;
      this.writeCursor(this.cursor);
    }
    return true;
  }

  /**
   * Replicates everything recorded after the cursor, then resolves (`meta replicate` without
   * `--watch`).
   *
   * @example
   * await new Replicator({ repo }).drain();
   */
  async drain(): Promise<void> {
    while (!this.stopped && (await this.step()));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.step())) await this.sleep(this.opts.pollMs ?? 10_000);
    }
  }

  private async handle(ev: MetaEventOut, rules: ReplicationRule[]): Promise<void> {
    const b = ev.record as Binary | undefined;
    if (!ev.project || !ev.version || !ev.platform || !b || ev.error) return;
    const platform = parsePlatform(ev.platform);
    const values = templateValues(ev.project, ev.version, platform, b.digest);
    const to: { url: string; region: string }[] = [];
    for (const rule of rules) {
      if (!projectMatches(rule.projects, ev.project)) continue;
      for (const t of rule.to) {
        try {
          const url = expandLocation(t.url, values);
          if (!to.some((x) => x.url === url) && !b.locations.includes(url)) to.push({ url, region: t.region });
        } catch (e) {
          this.opts.log?.(`replication: ${ev.project} ${ev.version} ${ev.platform}: ${(e as Error).message}`);
        }
      }
    }
    if (to.length === 0) return;
    try {
      const r = await replicateBinary(this.opts.repo, {
        target: { project: ev.project, version: ev.version, platform: ev.platform }, to, skipRecorded: true,
        parallel: this.opts.parallel, retries: this.opts.retries, backoff: this.opts.backoff, storage: this.opts.storage, signal: this.abort.signal,
      });
      const failed = r.results.filter((x) => !x.ok);
      this.opts.log?.(`replication: ${r.project} ${r.version} ${r.platform}: ${r.results.length - failed.length} of ${r.results.length} destination(s) verified${failed.length ? `; failed: ${failed.map((f) => f.url).join(', ')}` : ''}`);
      this.opts.onReplicated?.(r);
    } catch (e) {
      // A binary that cannot be replicated at all (no source left…) is reported, not retried forever.
      this.opts.log?.(`replication: ${ev.project} ${ev.version} ${ev.platform}: ${(e as Error).message}`);
    }
  }
}

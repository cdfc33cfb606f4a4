import { isIP } from 'node:net';
import type { MetaRepo } from '../api/openMeta.js';
import { eventsOfEntry, matchesEvent, parseEventId, type MetaEventOut } from '../api/events.js';
import { readMetaSettings } from '../api/readMetaSettings.js';
import type { LogEntry } from '../store/LogEntry.js';
import { formatProblem } from '../api/settingsProblem.js';
import { readWebhooks, type WebhookSpec } from './parseWebhooks.js';
import type { StateDir } from '../store/StateDir.js';
import { appendDelivery, CURSOR_MEMORY, deliveryId, readCursor, signBody, webhookState, writeCursor } from './deliveryLog.js';
import { checkTarget, literalTargetProblem, TargetRefused, type CheckedTarget, type HostLookup } from './targetGuard.js';

export interface WebhookDispatcherOptions {
  repo: MetaRepo;
  /** Cursors and delivery logs: a directory on the disk (default: the repository's `meta-webhooks` state directory, outside its content). */
  stateDir?: string;
  /** First retry delay (ms), doubled per failed attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  onDelivery?: (hook: string, ok: boolean) => void;
  /**
   * Deliver to loopback, private, link-local and other non-public addresses (default false:
   * anyone who can write meta.yaml could otherwise make the server call into its own network).
   */
  allowPrivate?: boolean;
  /** Host name resolution (default: the system resolver); tests inject their own. */
  lookup?: HostLookup;
}

/**
 * Delivers webhooks from the git log. The log is the queue and each subscription keeps a durable
 * cursor (the id of the last event it handled) outside the repository, so delivery is
 * at-least-once, in order per subscription, and a restart resumes where it stopped. A failed
 * delivery is retried with exponential backoff, and later events wait behind it (order first).
 *
 * @example
 * const d = new WebhookDispatcher({ repo });
 * d.kick();            // after every tip move
 * await d.close();
 */
export class WebhookDispatcher {
  private workers = new Map<string, HookWorker>();
  private settingsOid: string | undefined | null = null;
  readonly stateDir: StateDir;

  constructor(private readonly opts: WebhookDispatcherOptions) {
    this.stateDir = webhookState(opts.repo, opts.stateDir);
  }

  /** Re-reads the subscriptions when meta.yaml changed, and wakes every worker. */
  kick(): void {
    const snap = this.opts.repo.store.snapshot();
    const oid = snap.entry('meta.yaml')?.oid;
    if (oid !== this.settingsOid) {
      this.settingsOid = oid;
      let specs: WebhookSpec[] = [];
      try {
        // One bad entry must not silence the others: it is logged and skipped.
        const read = readWebhooks(readMetaSettings(snap));
        specs = read.hooks;
        for (const p of read.problems) this.opts.log?.(`webhooks: ${p.warning ? 'warning' : 'skipped invalid entry'} meta.yaml ${formatProblem(p)}`);
      } catch (e) {
        this.opts.log?.(`webhooks: ${(e as Error).message}`);
      }
      if (!this.opts.allowPrivate) {
        for (const spec of specs) {
          const problem = literalTargetProblem(spec.url);
          if (problem) this.opts.log?.(`webhook ${spec.name}: ${problem}; its deliveries will be refused unless meta serve runs with --allow-private-webhooks`);
        }
      }
      const names = new Set(specs.map((s) => s.name));
      for (const [name, w] of this.workers) {
        if (!names.has(name)) {
          void w.stop();
          this.workers.delete(name);
        }
      }
      for (const spec of specs) {
        const w = this.workers.get(spec.name);
        if (w) w.spec = spec;
        else {
          const nw = new HookWorker(spec, this.opts, this.stateDir);
          this.workers.set(spec.name, nw);
          void nw.run();
        }
      }
    }
    for (const w of this.workers.values()) w.wake();
  }

  /** Events behind the tip per hook, as `{hook="name"}` → count of commits not yet handled. */
  lag(): Map<string, number> {
    const out = new Map<string, number>();
    const list = this.opts.repo.store.log().entries();
    for (const [name, w] of this.workers) {
      const c = w.cursorCommit();
      const i = c ? list.findIndex((e) => e.commit === c) : -1;
      out.set(`{hook="${name}"}`, i < 0 ? 0 : list.length - 1 - i);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
  }
}

class HookWorker {
  private stopped = false;
  private waker?: () => void;
  private woken = false;
  private done?: Promise<void>;
  private cursor: string | undefined;
  /** Content keys of the newest delivered events, and a set of them for lookups. */
  private delivered: string[] = [];
  private deliveredSet = new Set<string>();
  /** The newest commits the cursor passed (newest last). */
  private passed: string[] = [];
  /** The cursor commit last reported as lost, so the log says it once. */
  private lostReported?: string;
  private readonly dir: StateDir;

  constructor(public spec: WebhookSpec, private readonly opts: WebhookDispatcherOptions, stateDir: StateDir) {
    this.dir = stateDir.dir(spec.name);
  }

  cursorCommit(): string | undefined {
    return this.cursor?.split(':')[0];
  }

  wake(): void {
    this.woken = true;
    this.waker?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
  }

  /** Sleeps until woken, stopped, or `ms` passed. */
  private sleep(ms?: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(() => finish(), ms);
      const finish = () => {
        if (t) clearTimeout(t);
        this.waker = undefined;
        this.woken = false;
        resolve();
      };
      this.waker = finish;
    });
  }

  run(): Promise<void> {
    this.done = this.loop().catch((e) => this.opts.log?.(`webhook ${this.spec.name} stopped: ${(e as Error).stack ?? e}`));
    return this.done;
  }

  private async loop(): Promise<void> {
    const saved = readCursor(this.dir);
    this.delivered = saved?.delivered ?? [];
    this.deliveredSet = new Set(this.delivered);
    this.passed = saved?.passed ?? [];
    this.cursor = saved?.after ?? this.startingPoint();
    while (!this.stopped) {
      const found = this.next();
      if (!found) {
        await this.sleep();
        continue;
      }
      const { ev, key } = found;
      let attempt = 0;
      while (!this.stopped) {
        attempt++;
        if (await this.deliver(ev, key, attempt)) {
          this.advance(ev.id, key);
          break;
        }
        const backoff = Math.min((this.opts.backoffMs ?? 1000) * 2 ** (attempt - 1), this.opts.maxBackoffMs ?? 5 * 60_000);
        // Only a stop interrupts the backoff: new commits must not hurry a failing receiver.
        const until = Date.now() + backoff;
        while (!this.stopped && Date.now() < until) await this.sleep(until - Date.now());
      }
    }
  }

  private advance(id: string, deliveredKey?: string): void {
    this.cursor = id;
    if (deliveredKey !== undefined && !this.deliveredSet.has(deliveredKey)) {
      this.delivered.push(deliveredKey);
      this.deliveredSet.add(deliveredKey);
      if (this.delivered.length > CURSOR_MEMORY.delivered) this.deliveredSet.delete(this.delivered.shift()!);
    }
    const commit = id.split(':')[0]!;
    if (this.passed[this.passed.length - 1] !== commit) {
      this.passed.push(commit);
      if (this.passed.length > CURSOR_MEMORY.passed) this.passed.shift();
    }
    writeCursor(this.dir, { v: 2, after: id, delivered: this.delivered, passed: this.passed });
  }

  /**
   * The cursor's commit left the history. The usual cause is an ordinary `meta push` that
   * replayed local commits onto a moved remote: same files, new commit ids. Delivery resumes after
   * the newest commit the cursor passed that is still in the history (else where the old commit's
   * own chain meets it), and events already delivered are recognised by content and skipped. A
   * history that shares nothing with the cursor (a real rewrite) waits for a person, as before.
   */
  private resync(list: LogEntry[]): boolean {
    const index = new Map(list.map((e, i) => [e.commit, i]));
    const lost = this.cursorCommit()!;
    let base: string | undefined;
    for (let i = this.passed.length - 1; i >= 0 && !base; i--) if (index.has(this.passed[i]!)) base = this.passed[i];
    if (!base) {
      const store = this.opts.repo.store;
      let c: string | undefined = lost;
      for (let n = 0; c && n < 100_000 && !base; n++) {
        if (index.has(c)) base = c;
        else c = store.readObject(c)?.type === 'commit' ? store.readCommit(c).parents[0] : undefined;
      }
    }
    if (!base) {
      if (this.lostReported !== lost) {
        this.lostReported = lost;
        this.opts.log?.(`webhook ${this.spec.name}: cursor ${this.cursor} is not in the history and shares none of it (rewritten?); waiting, fix or delete ${this.dir.path}/cursor.json`);
      }
      return false;
    }
    this.opts.log?.(`webhook ${this.spec.name}: cursor commit ${lost.slice(0, 12)} left the history (a push replayed it onto a moved remote?); resuming after ${base.slice(0, 12)}, skipping events already delivered`);
    this.cursor = base;
    this.passed = this.passed.filter((c) => index.has(c));
    writeCursor(this.dir, { v: 2, after: base, delivered: this.delivered, passed: this.passed });
    return true;
  }

  /**
   * A new subscription starts after the commit that added it to meta.yaml (not "whenever a server
   * first noticed it"), so which events it gets does not depend on when a server ran.
   */
  private startingPoint(): string | undefined {
    const store = this.opts.repo.store;
    const list = store.log().entries();
    for (const e of list) {
      if (!e.added.includes('meta.yaml') && !e.changed.includes('meta.yaml')) continue;
      try {
        if (readWebhooks(readMetaSettings(store.snapshot(e.commit))).hooks.some((h) => h.name === this.spec.name)) {
          writeCursor(this.dir, { v: 1, after: e.commit });
          return e.commit;
        }
      } catch { /* an invalid meta.yaml in history: keep looking */ }
    }
    const tip = store.tip();
    if (tip) writeCursor(this.dir, { v: 1, after: tip });
    return tip;
  }

  /**
   * The first event after the cursor this hook wants and has not delivered yet, with its content
   * key; moves the cursor over commits with none.
   */
  private next(): { ev: MetaEventOut; key: string } | undefined {
    const store = this.opts.repo.store;
    const tip = store.tip();
    if (!tip) return undefined;
    const list = store.log().entries(tip);
    let start = 0;
    let skip = -1;
    if (this.cursor) {
      let id = parseEventId(this.cursor);
      let i = list.findIndex((e) => e.commit === id.commit);
      if (i < 0) {
        if (!this.resync(list)) return undefined;
        id = parseEventId(this.cursor);
        i = list.findIndex((e) => e.commit === id.commit);
      }
      if (id.index === undefined) start = i + 1;
      else {
        start = i;
        skip = id.index;
      }
    }
    let scanned: LogEntry | undefined;
    for (let i = start; i < list.length; i++) {
      const entry = list[i]!;
      for (const ev of eventsOfEntry(this.opts.repo, entry)) {
        if (i === start && skip >= 0 && Number(ev.id.split(':')[1]) <= skip) continue;
        if (this.wants(ev)) {
          const key = eventKey(ev, list, i);
          // Delivered already, under its first commit, before a push replayed that commit.
          if (this.deliveredSet.has(key)) continue;
          if (scanned) this.advance(scanned.commit);
          return { ev, key };
        }
      }
      scanned = entry;
      if (i - start > 500) break; // bound one scan; the loop comes back for the rest
    }
    if (scanned) this.advance(scanned.commit);
    return scanned ? this.next() : undefined;
  }

  private wants(ev: MetaEventOut): boolean {
    if (this.spec.projects && !(ev.project && this.spec.projects.includes(ev.project))) return false;
    return matchesEvent(ev, { types: this.spec.events });
  }

  private async deliver(ev: MetaEventOut, key: string, attempt: number): Promise<boolean> {
    const id = deliveryId(this.spec.name, key);
    const body = JSON.stringify(ev);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'boot-meta-webhooks/1',
      'x-meta-event': ev.type,
      'x-meta-delivery': id,
      'x-meta-hook': this.spec.name,
    };
    const started = Date.now();
    let status = 0;
    let error: string | undefined;
    try {
      if (this.spec.secretEnv) {
        const secret = (this.opts.env ?? process.env)[this.spec.secretEnv];
        if (!secret) throw new Error(`environment variable ${this.spec.secretEnv} (secret_env of webhook ${this.spec.name}) is not set; refusing to send unsigned`);
        headers['x-meta-signature-256'] = signBody(secret, body);
      }
      const target = await checkTarget(this.spec.url, { allowPrivate: this.opts.allowPrivate === true, lookup: this.opts.lookup });
      status = await post(target, headers, body, this.spec.timeoutMs);
      // Redirects are not followed (a 3xx is a failed delivery): a redirect could lead anywhere.
      if (status < 200 || status >= 300) error = `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`;
    } catch (e) {
      error = (e as Error).message;
      const cause = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
      if (cause && !(e instanceof TargetRefused)) error += ` (${cause})`;
    }
    const ok = error === undefined;
    appendDelivery(this.dir, { delivery: id, hook: this.spec.name, event: ev.id, type: ev.type, attempt, ok, status, error, at: new Date().toISOString(), ms: Date.now() - started });
    this.opts.onDelivery?.(this.spec.name, ok);
    return ok;
  }
}

/**
 * What an event is, whatever commit holds it: a record's path and blob hash (paths are unique and
 * records immutable, so a replayed commit's record has the same key). A settings file changes in
 * place and may return to an earlier content, so its key also counts its earlier changes.
 */
export function eventKey(ev: MetaEventOut, list: LogEntry[], index: number): string {
  if (ev.type !== 'settings.changed') return `${ev.path}@${ev.githash}`;
  let n = 0;
  for (let j = 0; j < index; j++) if (list[j]!.added.includes(ev.path) || list[j]!.changed.includes(ev.path)) n++;
  return `${ev.path}@${ev.githash}#${n}`;
}

/**
 * POSTs `body` to an already checked target and returns the status. It connects to the checked
 * address itself (the host name is not resolved a second time, so a DNS answer that changes
 * between check and connect cannot redirect it) while the Host header and TLS server name stay the
 * URL's host. The response body is drained, not kept.
 */
async function post(t: CheckedTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const mod = t.url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const pinned = (_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: t.address, family: t.family }]);
    else cb(null, t.address, t.family);
  };
  return new Promise<number>((resolve, reject) => {
    const req = mod.request({
      protocol: t.url.protocol,
      hostname: t.hostname,
      port: t.url.port || undefined,
      path: `${t.url.pathname}${t.url.search}`,
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      auth: t.url.username ? `${decodeURIComponent(t.url.username)}:${decodeURIComponent(t.url.password)}` : undefined,
      lookup: pinned as never,
      agent: false,
      servername: t.url.protocol === 'https:' && isIP(t.hostname) === 0 ? t.hostname : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      res.on('error', () => undefined);
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('close', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

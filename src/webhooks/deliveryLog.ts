import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { diskFs } from '../api/diskFs.js';
import type { MetaRepo } from '../api/openMeta.js';
import { FsStateDir, type StateDir } from '../store/StateDir.js';

/** One line of a webhook's delivery log (`meta hooks deliveries`). */
export interface DeliveryRecord {
  /** The `X-Meta-Delivery` id: the same for every attempt of one event, so receivers de-duplicate. */
  delivery: string;
  hook: string;
  /** The event id (`<commit>:<n>`) when it was delivered. */
  event: string;
  type: string;
  attempt: number;
  ok: boolean;
  /** HTTP status, 0 when no response came. */
  status: number;
  error?: string;
  /** ISO-8601 time of the attempt. */
  at: string;
  ms: number;
}

/** The name of the repository's own webhook state directory (beside its git files, outside its content). */
const STATE_NAME = 'meta-webhooks';

/**
 * Where webhook cursors and delivery logs live: the directory given (`--webhook-state-dir`, on the
 * disk), else the repository's own `meta-webhooks` state directory, on the repository's file
 * system. Each hook has a subdirectory: `<hook>/{cursor.json,deliveries.jsonl}`.
 *
 * @example
 * const state = webhookState(repo); // the repository's meta-webhooks
 */
export function webhookState(repo: MetaRepo, stateDir?: string): StateDir {
  return stateDir !== undefined ? new FsStateDir(diskFs, stateDir.replace(/(.)\/+$/, '$1')) : repo.store.stateDir(STATE_NAME);
}

/**
 * The path of a repository's default state directory on the disk, for a tool that lists a
 * repository's deliveries without opening it (see {@link webhookState}).
 *
 * @example
 * listDeliveries({ stateDir: defaultStateDir('/srv/meta') });
 */
export function defaultStateDir(gitdir: string): string {
  return `${gitdir}/${STATE_NAME}`;
}

/**
 * `X-Meta-Delivery`: stable per (hook, event), so a redelivery carries the same id. The event is
 * named by its content key (see {@link HookCursor.delivered}), not by the commit that holds it: a
 * `meta push` that replays a local commit onto a moved remote gives the same record a new commit,
 * and it must not reach a receiver again under a new id.
 */
export function deliveryId(hook: string, eventKey: string): string {
  return createHash('sha256').update(`${hook}\n${eventKey}`).digest('hex').slice(0, 32);
}

/** `sha256=<hex HMAC-SHA256 of the body>`: the GitHub webhook convention. */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks an `X-Meta-Signature-256` header against the body, in constant time (for receivers).
 *
 * @example
 * if (!verifySignature(process.env.SECRET!, rawBody, req.headers['x-meta-signature-256'])) return res.writeHead(401).end();
 */
export function verifySignature(secret: string, body: string | Uint8Array, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The cursor: the id of the last event handled (delivered or filtered out). */
export interface HookCursor {
  v: 1 | 2;
  after: string;
  /**
   * Content keys (`<path>@<githash>`) of the newest events delivered: when a replayed push moved
   * the cursor's commit out of the history, delivery resumes where the old commit's chain meets
   * the new history and skips these, so nothing is delivered twice under another id and nothing
   * after the meeting point is lost.
   */
  delivered?: string[];
  /** The newest commits the cursor passed, newest last: where to resume when its own commit is gone. */
  passed?: string[];
}

/**
 * How many delivered keys and passed commits a cursor keeps (it is rewritten after every delivery).
 * An event delivered before the oldest kept key may be delivered again after a replay, but under
 * the same `X-Meta-Delivery` id, which receivers de-duplicate on.
 */
export const CURSOR_MEMORY = { delivered: 512, passed: 128 } as const;

/**
 * A hook's cursor, or undefined when it has none (or an unreadable one).
 *
 * @example
 * readCursor(webhookState(repo).dir('deploys'))?.after;
 */
export function readCursor(dir: StateDir): HookCursor | undefined {
  try {
    const c = JSON.parse(dir.readText('cursor.json') ?? '') as HookCursor;
    if ((c.v !== 1 && c.v !== 2) || typeof c.after !== 'string') return undefined;
    const strings = (a: unknown) => (Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : undefined);
    return { v: c.v, after: c.after, delivered: strings(c.delivered), passed: strings(c.passed) };
  } catch {
    return undefined;
  }
}

/**
 * Replaces the cursor atomically and durably: a restart resumes after it.
 *
 * @example
 * writeCursor(hookDir, { v: 1, after: `${commit}:0` });
 */
export function writeCursor(dir: StateDir, cursor: HookCursor): void {
  dir.write('cursor.json', JSON.stringify(cursor), { durable: true });
}

/**
 * Appends one attempt to the hook's delivery log.
 *
 * @example
 * appendDelivery(hookDir, record);
 */
export function appendDelivery(dir: StateDir, rec: DeliveryRecord): void {
  dir.append('deliveries.jsonl', `${JSON.stringify(rec)}\n`);
}

export interface ListDeliveriesOptions {
  /** The webhook state directory: a path on the disk, or a state directory (see {@link webhookState}). */
  stateDir: string | StateDir;
  hook?: string;
  /** The newest N attempts (default 50). */
  limit?: number;
  /** Only failed attempts. */
  failed?: boolean;
}

/**
 * The delivery log: every attempt of every webhook, oldest first, the newest `limit`.
 *
 * @example
 * listDeliveries({ stateDir: webhookState(repo), hook: 'deploys', limit: 20 });
 */
export function listDeliveries(opts: ListDeliveriesOptions): DeliveryRecord[] {
  const state = typeof opts.stateDir === 'string' ? new FsStateDir(diskFs, opts.stateDir) : opts.stateDir;
  let hooks: string[];
  try {
    hooks = opts.hook ? [opts.hook] : state.list().filter((n) => state.isDir(n));
  } catch {
    hooks = [];
  }
  const out: DeliveryRecord[] = [];
  for (const h of hooks) {
    let text: string | undefined;
    try {
      text = state.dir(h).readText('deliveries.jsonl');
    } catch {
      text = undefined; // a name no hook can have
    }
    if (text === undefined) continue; // no attempt yet
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as DeliveryRecord);
      } catch { /* a torn last line after a crash */ }
    }
  }
  const list = out.filter((d) => !opts.failed || !d.ok).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return list.slice(Math.max(0, list.length - (opts.limit ?? 50)));
}

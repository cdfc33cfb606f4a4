// Over 400 lines on purpose: one class holds every route of the HTTP API, because the routes share
// its request plumbing (body limits, tokens, long-polls, ETags, the event stream and the error
// mapping); the pieces that stand alone (group commits, metrics, tokens, record bodies, errors)
// live in their own files beside it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { MetaError, isMetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { checkEventTypes, eventsOfEntry, inFirstParentLog, matchesEvent, parseEventId, type EventFilter, type MetaEventOut } from '../api/events.js';
import { projectFilterName, snapshotAt } from '../api/lookup.js';
import { readMetaSettings } from '../api/readMetaSettings.js';
import { formatProblem } from '../api/settingsProblem.js';
import { validateSettingsText } from '../api/validateSettings.js';
import { settingsText } from '../api/writeSettings.js';
import { checkChannel, checkHost, checkProjectName, parsePlatform } from '../records/names.js';
import { LruCache } from '../util/LruCache.js';
import type { LogEntry } from '../store/LogEntry.js';
import type { AppendOptions, AppendPlanner, AppendResult } from '../store/Repository.js';
import { RefWatcher } from '../watch/RefWatcher.js';
import { GroupCommitter } from './GroupCommitter.js';
import { pullEvery, type PullLoop } from './pullEvery.js';
import { Metrics } from './Metrics.js';
import { matchToken, readServeTokens, type TokenScope } from './serveTokens.js';
import { applyRecord, checkRecordBody, REPORT_SCHEMA } from './applyRecord.js';
import { checkShape, toLabels } from './strictJson.js';
import { HttpError, publicError } from './publicError.js';

/** Keeps a clone up to date with its remote (`meta serve --remote`); supplied by the remote module. */
export interface RemoteSync {
  url: string;
  intervalMs: number;
  /** Fetches the remote branch into the local repository (moving its tip). */
  fetch(): Promise<void>;
  /** Appends through the remote (plan on its tip, push, re-plan when another writer won). */
  append?(plan: AppendPlanner, opts: AppendOptions): Promise<AppendResult>;
}

export interface ServeOptions {
  repo: MetaRepo;
  /** `host:port` (default 127.0.0.1:8080; port 0 picks a free one). */
  listen?: string;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /** Longest `?wait=` a long-poll may ask for, in seconds (default 60). */
  maxWaitSeconds?: number;
  /** Most writes per group commit (default 1000). */
  maxBatch?: number;
  /** Run the webhook dispatcher (default true). */
  webhooks?: boolean;
  /** Where webhook cursors and delivery logs live (default `<gitdir>/meta-webhooks`). */
  webhookStateDir?: string;
  /** First retry delay of a failed webhook delivery, doubled per attempt (default 1000 ms). */
  webhookBackoffMs?: number;
  webhookMaxBackoffMs?: number;
  /**
   * Deliver webhooks to loopback, private, link-local and other non-public addresses (default
   * false: meta.yaml is writable by every writer, so its URLs must not reach the server's network).
   */
  allowPrivateWebhooks?: boolean;
  remote?: RemoteSync;
  /** One line per notable thing (start, errors); default: nothing. */
  log?: (line: string) => void;
  /** Environment for webhook secrets (default process.env). */
  env?: Record<string, string | undefined>;
}

export { STATUS } from './publicError.js';

interface SseClient {
  res: ServerResponse;
  filter: EventFilter;
  /** The last commit whose events were sent (undefined: from the beginning). */
  cursor: string | undefined;
  /** Skip events of `cursor` up to this index (a `<commit>:<n>` resume). */
  skipIndex?: number;
  busy: boolean;
  again: boolean;
}

interface Route {
  name: string;
  project?: string;
  channel?: string;
  host?: string;
  action?: string;
}

/** Splits a raw path into decoded segments; refuses traversal ('.', '..', empty) and bad escapes. */
export function pathSegments(rawPath: string): string[] {
  const parts = rawPath.split('/').slice(1);
  const out: string[] = [];
  for (const raw of parts) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new MetaError('INVALID_ARGUMENT', `path segment '${raw}' is not valid percent-encoding`, {});
    }
    // A %2F inside a segment is a project-name separator: `acme%2Fapp` = `acme/app`.
    for (const s of seg.split('/')) {
      if (s === '' || s === '.' || s === '..' || /[\0-\x1f\\]/.test(s)) throw new MetaError('INVALID_ARGUMENT', `path ${JSON.stringify(rawPath)} has an empty, '.', '..' or control-character segment`, {});
      out.push(s);
    }
  }
  return out;
}

/** Matches `/v1/projects/<project…>` and below it `/channels/<c>/(resolve|download)`, `/instances[/<host>/report]`. */
export function matchRoute(method: string, rawPath: string): Route {
  if (rawPath === '/') return { name: 'index' };
  if (rawPath === '/healthz') return { name: 'healthz' };
  if (rawPath === '/metrics') return { name: 'metrics' };
  const segs = pathSegments(rawPath);
  if (segs[0] !== 'v1') return { name: 'unknown' };
  if (segs.length === 2 && segs[1] === 'events') return { name: 'events' };
  if (segs.length === 2 && segs[1] === 'records') return { name: 'records' };
  if (segs[1] === 'projects') {
    const rest = segs.slice(2);
    const at = rest.findIndex((s) => s === 'channels' || s === 'instances');
    if (at < 0 && rest.length > 0) return { name: 'project', project: checkProjectName(rest.join('/')) };
    if (at < 1) return { name: 'unknown' };
    const project = checkProjectName(rest.slice(0, at).join('/'));
    const tail = rest.slice(at);
    if (tail[0] === 'channels' && tail.length === 3 && (tail[2] === 'resolve' || tail[2] === 'download')) {
      return { name: tail[2], project, channel: checkChannel(tail[1]!) };
    }
    if (tail[0] === 'instances' && tail.length === 1) return { name: 'instances', project };
    if (tail[0] === 'instances' && tail.length === 3 && tail[2] === 'report') return { name: 'report', project, host: checkHost(tail[1]!) };
  }
  void method;
  return { name: 'unknown' };
}

const METHODS: Record<string, string> = { index: 'GET', healthz: 'GET', metrics: 'GET', events: 'GET', records: 'POST', project: 'GET', resolve: 'GET', download: 'GET', instances: 'GET', report: 'POST' };

/**
 * `meta serve`: a JSON/HTTP API over a meta repository (see README "meta serve"). Reads answer
 * from one snapshot each; writes go through a group committer; tip moves (its own writes, a
 * `git` command, a fetch) wake long-polls, event streams and the webhook dispatcher.
 *
 * @example
 * const server = await startServer({ repo: openMeta({ dir: '/srv/meta' }), listen: '127.0.0.1:0' });
 * console.log(server.url); // http://127.0.0.1:40123
 * await server.close();
 */
export class MetaServer {
  readonly metrics = new Metrics();
  readonly committer: GroupCommitter;
  private server?: Server;
  private watcher: RefWatcher;
  private sse = new Set<SseClient>();
  private waiters = new Set<() => void>();
  private events = new LruCache<string, MetaEventOut[]>(4096);
  private heartbeat?: NodeJS.Timeout;
  private puller?: PullLoop;
  private lastFetchOk = 0;
  private dispatcher?: { kick(): void; close(): Promise<void>; lag(): Map<string, number> };
  private closing = false;
  /** The meta.yaml blob whose problems were last logged (null: none yet). */
  private settingsChecked: string | undefined | null = null;
  /** Directories of this host that error messages must not reveal to clients. */
  private readonly hostDirs: string[];
  url = '';

  constructor(private readonly opts: ServeOptions) {
    const repo = opts.repo;
    this.hostDirs = hostDirectories([repo.dir, repo.store.dir, opts.webhookStateDir, process.cwd(), homedir(), tmpdir()]);
    this.committer = new GroupCommitter(repo.store, {
      actor: repo.actor,
      clock: repo.clock,
      maxBatch: opts.maxBatch,
      append: opts.remote?.append,
      onCommit: ({ writes }) => {
        this.metrics.inc('meta_commits_total');
        this.metrics.inc('meta_appends_total', {}, writes);
        this.metrics.observe('meta_group_commit_writes', {}, writes);
        this.watcher.check();
      },
    });
    this.watcher = new RefWatcher(repo.store, () => this.onTip(), { pollMs: 1000 });
    this.metrics
      .describe('meta_appends_total', 'records appended through this server')
      .describe('meta_commits_total', 'commits this server wrote (group commits hold many appends)')
      .describe('meta_group_commit_writes', 'writes per group commit (histogram of batch sizes, not seconds)')
      .describe('meta_http_requests_total', 'HTTP requests by route and status')
      .describe('meta_http_request_duration_seconds', 'request latency by route')
      .describe('meta_sse_clients', 'open event streams')
      .describe('meta_follower_lag_seconds', 'seconds since the last successful fetch of --remote (0 without --remote)')
      .describe('meta_webhook_lag_events', 'events not yet delivered, per webhook')
      .describe('meta_tip_age_seconds', 'age of the tip commit');
    this.metrics.gauge('meta_sse_clients', () => this.sse.size);
    this.metrics.gauge('meta_follower_lag_seconds', () => (this.opts.remote ? (this.lastFetchOk ? (Date.now() - this.lastFetchOk) / 1000 : -1) : 0));
    this.metrics.gauge('meta_webhook_lag_events', () => this.dispatcher?.lag() ?? new Map());
    this.metrics.gauge('meta_tip_age_seconds', () => {
      const tip = repo.store.tip();
      return tip ? Math.max(0, Date.now() / 1000 - repo.store.readCommit(tip).committer.timestamp) : 0;
    });
  }

  /** Listens and starts the watchers; resolves once the port is bound. */
  async start(): Promise<this> {
    const [host, portText] = splitListen(this.opts.listen ?? '127.0.0.1:8080');
    await this.watcher.start();
    this.server = createServer((req, res) => {
      // handle() answers its own errors; this only catches a bug in that answering itself, so
      // one broken request can never take the process (and every other client) down with it.
      this.handle(req, res).catch((e) => {
        this.opts.log?.(`request ${req.method} ${(req.url ?? '').slice(0, 200)} failed while answering: ${(e as Error)?.stack ?? String(e)}`);
        res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (e) => reject(new MetaError('IO', `cannot listen on ${host}:${portText}: ${(e as Error).message}`, { listen: this.opts.listen }, { cause: e })));
      this.server!.listen(Number(portText), host, () => resolve());
    });
    // After listening, a server error (EMFILE on accept…) is not fatal: log it and keep serving.
    this.server.on('error', (e) => this.opts.log?.(`server error: ${(e as Error).message}`));
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    this.heartbeat = setInterval(() => {
      for (const c of this.sse) {
        if (c.res.writableEnded || c.res.destroyed) this.sse.delete(c);
        else c.res.write(': ping\n\n');
      }
    }, 15_000);
    this.heartbeat.unref();
    if (this.opts.webhooks !== false) {
      const { WebhookDispatcher } = await import('../webhooks/WebhookDispatcher.js');
      const d = new WebhookDispatcher({
        repo: this.opts.repo, stateDir: this.opts.webhookStateDir, env: this.opts.env, log: this.opts.log,
        backoffMs: this.opts.webhookBackoffMs, maxBackoffMs: this.opts.webhookMaxBackoffMs, allowPrivate: this.opts.allowPrivateWebhooks === true,
        onDelivery: (hook, ok) => this.metrics.inc('meta_webhook_deliveries_total', { hook, result: ok ? 'ok' : 'failed' }),
      });
      this.dispatcher = d;
      d.kick();
    }
    this.checkSettings();
    const remote = this.opts.remote;
    if (remote) {
      this.puller = pullEvery(() => remote.fetch(), remote.intervalMs, {
        onPulled: () => {
          this.lastFetchOk = Date.now();
          this.watcher.check();
        },
        onError: (e) => {
          this.metrics.inc('meta_remote_fetch_errors_total');
          this.opts.log?.(`fetch from ${remote.url} failed: ${e.message}`);
        },
      });
    }
    return this;
  }

  /**
   * Logs what is wrong with meta.yaml, once per version of it, with the validator the settings
   * commands use: the server keeps serving with what is valid (the webhook dispatcher reports
   * the webhook entries it skips itself).
   */
  private checkSettings(): void {
    const snap = this.opts.repo.store.snapshot();
    const oid = snap.entry('meta.yaml')?.oid;
    if (oid === this.settingsChecked) return;
    this.settingsChecked = oid;
    const { problems } = validateSettingsText(settingsText(snap));
    for (const p of problems) {
      if (this.dispatcher && p.key.startsWith('webhooks')) continue;
      const what = p.warning ? 'warning: ' : p.key.startsWith('serve.tokens.') ? 'skipped invalid token entry ' : '';
      this.opts.log?.(`meta.yaml at ${snap.commit?.slice(0, 12)}: ${what}${formatProblem(p)}`);
    }
  }

  private onTip(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const f of w) f();
    for (const c of this.sse) void this.pump(c);
    // Called from the ref watcher's timers: a throw here would be an uncaught exception.
    try {
      this.dispatcher?.kick();
    } catch (e) {
      this.opts.log?.(`webhooks: ${(e as Error).message}`);
    }
    try {
      this.checkSettings();
    } catch (e) {
      this.opts.log?.(`meta.yaml: ${(e as Error).message}`);
    }
  }

  /** Resolves on the next tip move, after `ms`, or when the client went away. */
  private nextTip(ms: number, res: ServerResponse): Promise<void> {
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    let routeName = 'unknown';
    try {
      const route = matchRoute(req.method ?? 'GET', rawPath);
      routeName = route.name;
      if (route.name === 'unknown') throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${rawPath.slice(0, 200)}; see README "meta serve" for the API`);
      if (req.method !== METHODS[route.name] && !(req.method === 'HEAD' && METHODS[route.name] === 'GET')) {
        res.setHeader('Allow', METHODS[route.name]!);
        throw new HttpError(405, 'INVALID_ARGUMENT', `${route.name} takes ${METHODS[route.name]}, not ${req.method}`);
      }
      // Every route is awaited inside this try: a rejection that escaped it would be unhandled
      // and end the process.
      switch (route.name) {
        case 'index': return this.json(res, 200, API_INDEX);
        case 'healthz': return this.json(res, 200, { ok: true, commit: this.opts.repo.store.tip() ?? null });
        case 'metrics': {
          const text = this.metrics.render();
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(text);
          return;
        }
        case 'events': return this.openEvents(req, res, query);
        case 'project': {
          const { showProject } = await import('../api/showProject.js');
          return this.json(res, 200, showProject(this.opts.repo, { project: route.project!, at: optionalParam(query, 'at') }));
        }
        case 'resolve': return await this.resolve(req, res, route, query);
        case 'download': return await this.download(res, route, query);
        case 'instances': {
          const { listInstances } = await import('../api/instances.js');
          return this.json(res, 200, listInstances(this.opts.repo, { project: route.project!, env: optionalParam(query, 'env'), at: optionalParam(query, 'at') }));
        }
        case 'records': {
          const token = this.authorize(req, 'records');
          const body = checkRecordBody(await readJson(req, res, this.opts.maxBodyBytes ?? 1 << 20));
          const onBehalfOf = checkOnBehalfOf(body);
          delete body.actor;
          const result = await applyRecord(this.committer.repoFor(this.opts.repo, tokenActor(token), onBehalfOf ? [{ key: ON_BEHALF_OF, value: onBehalfOf }] : undefined), body);
          return this.json(res, 201, result);
        }
        case 'report': {
          const token = this.authorize(req, 'reports');
          const b = checkShape(await readJson(req, res, this.opts.maxBodyBytes ?? 1 << 20), REPORT_SCHEMA) as Record<string, never>;
          checkReservedLabels(b.labels);
          const { reportInstance } = await import('../api/reportInstance.js');
          const result = await reportInstance(this.committer.repoFor(this.opts.repo, tokenActor(token)), {
            project: route.project!, host: route.host!, env: b.env, channel: b.channel, version: b.version, digest: b.digest, platform: b.platform,
            metaCommit: b.metaCommit, status: b.status, message: b.message, labels: toLabels(b.labels),
          });
          return this.json(res, 201, result);
        }
      }
    } catch (e) {
      this.fail(res, e);
    } finally {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      if (routeName !== 'events') this.metrics.observe('meta_http_request_duration_seconds', { route: routeName }, secs);
      this.metrics.inc('meta_http_requests_total', { route: routeName, code: String(res.statusCode) });
    }
  }

  /** The token's name, or throws 401/403. Tokens come from meta.yaml at the tip, by hash. */
  private authorize(req: IncomingMessage, scope: TokenScope): string {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) throw new HttpError(401, 'AUTH', 'this endpoint needs "Authorization: Bearer <token>"; list the sha256 of the token under serve.tokens in meta.yaml');
    let tokens;
    try {
      // An invalid entry is skipped (checkSettings logs it); the valid tokens keep working.
      tokens = readServeTokens(readMetaSettings(this.opts.repo.store.snapshot())).tokens;
    } catch (e) {
      // A broken meta.yaml is the operator's problem, and its text is not the client's to see.
      throw new MetaError('INTERNAL', `meta.yaml at the served tip cannot be read for serve.tokens: ${(e as Error).message}`, {}, { cause: e });
    }
    const t = matchToken(tokens, m[1]!);
    if (!t) throw new HttpError(401, 'AUTH', 'unknown token: its sha256 is not listed under serve.tokens in meta.yaml');
    if (!t.scopes.includes(scope)) throw new HttpError(403, 'AUTH', `token ${t.name} lacks the '${scope}' scope (meta.yaml serve.tokens)`);
    return t.name;
  }

  private async resolve(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
    const { resolveBinaryIn } = await import('../api/resolveBinary.js');
    const repo = this.opts.repo;
    const platform = requireParam(query, 'platform');
    parsePlatform(platform);
    const opts = { project: route.project!, channel: route.channel!, platform };
    const at = query.get('at');
    const after = query.get('after');
    if (after && !/^[0-9a-f]{40}$/.test(after)) throw new MetaError('INVALID_ARGUMENT', '?after= must be a full 40-hex commit id', { after });
    const answer = (commit: string) => {
      if (after && !inFirstParentLog(repo, after, commit)) {
        throw new MetaError('HISTORY_REWRITTEN', `the served history at ${commit.slice(0, 12)} does not descend from ${after.slice(0, 12)}; refusing to answer with older or rewritten history`, { after, commit });
      }
      return resolveBinaryIn(repo, repo.store.snapshot(commit), opts);
    };
    const key = (commit: string): string => {
      try {
        const r = answer(commit);
        return `${r.sequence}:${r.binary.githash}`;
      } catch (e) {
        return isMetaError(e) ? `error:${e.code}` : 'error';
      }
    };
    if (at) {
      const commit = repo.store.resolveAt(at);
      const r = answer(commit);
      if (etagOf(req) === commit) return this.notModified(res, commit);
      return this.json(res, 200, r, { etag: `"${commit}"`, 'cache-control': 'public, max-age=31536000, immutable' });
    }
    const have = etagOf(req);
    const wait = Math.max(0, Math.min(Number(query.get('wait') ?? 0) || 0, this.opts.maxWaitSeconds ?? 60));
    if (have && /^[0-9a-f]{40}$/.test(have) && repo.store.hasObject(have)) {
      // "Not modified" means: what the client resolved at its commit still holds at the tip.
      const deadline = Date.now() + wait * 1000;
      const mine = key(have);
      for (;;) {
        const tip = repo.store.tip()!;
        if (key(tip) !== mine) break;
        const left = deadline - Date.now();
        if (left <= 0 || this.closing || res.destroyed) return this.notModified(res, have);
        await this.nextTip(left, res);
      }
    }
    const tip = repo.store.tip();
    if (!tip) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', {});
    return this.json(res, 200, answer(tip), { etag: `"${tip}"`, 'cache-control': 'no-cache' });
  }

  private notModified(res: ServerResponse, commit: string): void {
    res.writeHead(304, { etag: `"${commit}"` });
    res.end();
  }

  private async download(res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
    const { resolveBinaryIn } = await import('../api/resolveBinary.js');
    const repo = this.opts.repo;
    const platform = requireParam(query, 'platform');
    parsePlatform(platform);
    const at = query.get('at');
    const commit = at ? repo.store.resolveAt(at) : repo.store.tip();
    if (!commit) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', {});
    const r = resolveBinaryIn(repo, repo.store.snapshot(commit), { project: route.project!, channel: route.channel!, platform });
    const loc = downloadLocation(r.binary.locations, query.get('location'), `${r.release.version} ${platform}`);
    res.writeHead(302, {
      location: loc, etag: `"${commit}"`, 'cache-control': 'no-cache',
      'x-meta-digest': headerText(r.binary.digest), 'x-meta-size': String(r.binary.size), 'x-meta-version': headerText(r.release.version), 'x-meta-commit': commit,
    });
    res.end();
  }

  private openEvents(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const repo = this.opts.repo;
    const types = checkEventTypes(query.get('types')?.split(',').filter(Boolean));
    let project = query.get('project') ?? undefined;
    // Events name projects in full: `?project=app` means acme/app, as in every other route.
    if (project) project = projectFilterName(repo, snapshotAt(repo), project);
    const channel = query.get('channel') ?? undefined;
    if (channel) checkChannel(channel);
    const last = (req.headers['last-event-id'] as string | undefined) ?? query.get('since') ?? undefined;
    let cursor: string | undefined;
    let skipIndex: number | undefined;
    if (last === 'beginning' || last === '0') cursor = undefined;
    else if (last) {
      const id = parseEventId(last);
      const tip = repo.store.tip();
      if (!tip || !inFirstParentLog(repo, id.commit, tip)) {
        throw new MetaError('HISTORY_REWRITTEN', `event id ${last.slice(0, 12)} is not in this repository's history; reconnect without Last-Event-ID (or with ?since=beginning)`, { id: last });
      }
      cursor = id.commit;
      if (id.index !== undefined) {
        // Resume inside a commit: re-read it, skipping what was delivered.
        const list = repo.store.log().entries();
        const i = list.findIndex((e) => e.commit === id.commit);
        cursor = i > 0 ? list[i - 1]!.commit : undefined;
        skipIndex = id.index;
        if (i === 0) cursor = undefined;
      }
    } else cursor = repo.store.tip();
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // A HEAD has no body to stream: without this it would hold a connection open forever.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 1000\n\n');
    const client: SseClient = { res, filter: { project, channel, types }, cursor, skipIndex, busy: false, again: false };
    this.sse.add(client);
    res.on('close', () => this.sse.delete(client));
    // A stream that broke is ended and forgotten; nothing after the headers can throw out of here.
    res.on('error', (e) => {
      this.sse.delete(client);
      this.opts.log?.(`event stream: ${e.message}`);
    });
    void this.pump(client);
  }

  /** The events of one commit, cached (every stream shares them). */
  private eventsOf(entry: LogEntry): MetaEventOut[] {
    let e = this.events.get(entry.commit);
    if (!e) {
      e = eventsOfEntry(this.opts.repo, entry);
      this.events.set(entry.commit, e);
    }
    return e;
  }

  /** Sends a stream everything after its cursor; the `id:` of a commit's last event is the commit. */
  private async pump(c: SseClient): Promise<void> {
    if (c.busy) {
      c.again = true;
      return;
    }
    c.busy = true;
    try {
      do {
        c.again = false;
        if (c.res.writableEnded || c.res.destroyed) {
          this.sse.delete(c);
          return;
        }
        const tip = this.opts.repo.store.tip();
        if (!tip || tip === c.cursor) continue;
        const entries = this.opts.repo.store.log().since(c.cursor, tip);
        for (const entry of entries) {
          const evs = this.eventsOf(entry).filter((ev) => matchesEvent(ev, c.filter) && !(c.skipIndex !== undefined && Number(ev.id.split(':')[1]) <= c.skipIndex));
          c.skipIndex = undefined;
          let text = '';
          evs.forEach((ev, i) => {
            text += `${i === evs.length - 1 ? `id: ${entry.commit}\n` : ''}event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
          });
          c.cursor = entry.commit;
          if (text && !c.res.write(text)) await drainOrClose(c.res);
          if (c.res.destroyed) return;
        }
      } while (c.again);
    } catch (e) {
      // The headers went out long ago: the client learns of the failure by the stream ending.
      const { logId } = publicError(e, this.hostDirs, this.opts.log);
      this.opts.log?.(`event stream ended after error ${logId}`);
      this.sse.delete(c);
      c.res.end();
    } finally {
      c.busy = false;
    }
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /**
   * Answers an error as `{"error":{code,message}}`. The message never carries host paths, file
   * bytes or stack traces (see publicError); a failure after the headers went out cuts the
   * connection, the only signal left that the answer is incomplete.
   */
  private fail(res: ServerResponse, e: unknown): void {
    const pub = publicError(e, this.hostDirs, this.opts.log);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.json(res, pub.status, { error: { code: pub.code, message: pub.message } }, pub.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  }

  /** Stops listening, ends event streams and long-polls, waits for queued writes and the dispatcher. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.puller?.stop();
    for (const c of this.sse) c.res.end();
    this.onTip();
    await this.committer.idle();
    await this.dispatcher?.close();
    await this.watcher.close();
    if (this.server) {
      const s = this.server;
      await new Promise<void>((r) => {
        // Keep-alive connections that finish their last request after close() would otherwise
        // linger until their idle timeout: close them as soon as they go idle.
        const t = setInterval(() => s.closeIdleConnections(), 50);
        s.close(() => {
          clearInterval(t);
          r();
        });
        s.closeIdleConnections();
      });
    }
  }
}

function splitListen(listen: string): [string, string] {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  if (!m) throw new MetaError('INVALID_ARGUMENT', `--listen '${listen}' must be host:port (e.g. 127.0.0.1:8080)`, { listen });
  return [m[1] ?? (m[2] || '127.0.0.1'), m[3]!];
}

function requireParam(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw new MetaError('INVALID_ARGUMENT', `query parameter ?${name}= is required`, { param: name });
  return v;
}

function etagOf(req: IncomingMessage): string | undefined {
  const h = req.headers['if-none-match'];
  if (!h) return undefined;
  return h.split(',')[0]!.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/**
 * Reads a JSON body of at most `max` bytes (413 beyond, 400 when it does not parse or is not
 * UTF-8, 415 when it is not JSON).
 */
async function readJson(req: IncomingMessage, res: ServerResponse, max: number): Promise<unknown> {
  const ct = req.headers['content-type'];
  if (ct && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(ct)) throw new HttpError(415, 'INVALID_ARGUMENT', `send the body as application/json, not ${ct.slice(0, 100)}`);
  const tooLarge = (message: string) => {
    // The rest of an oversized body is not read: the connection closes after the answer.
    res.setHeader('connection', 'close');
    req.resume();
    return new HttpError(413, 'INVALID_ARGUMENT', message);
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw tooLarge(`the body is ${declared} bytes; the limit is ${max}`);
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > max) throw tooLarge(`the body exceeds the limit of ${max} bytes`);
      chunks.push(c as Buffer);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new MetaError('INVALID_ARGUMENT', 'the request body could not be read to its end', {});
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new MetaError('INVALID_ARGUMENT', 'the body is not valid UTF-8', {});
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // JSON.parse's message quotes a slice of the input; the position is enough.
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new MetaError('INVALID_ARGUMENT', `the body is not valid JSON${pos ? ` (at character ${pos})` : ''}`, {});
  }
}

/** Waits until a stream can take more, or is gone (a closed client never drains). */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A query parameter, or undefined when absent or empty. */
function optionalParam(q: URLSearchParams, name: string): string | undefined {
  return q.get(name) || undefined;
}

/**
 * A recorded location as a `Location` header value: the URL re-serialised (non-ASCII
 * percent-encoded), or undefined when it is not a URL or still holds what a header cannot carry.
 */
function headerUrl(loc: string): string | undefined {
  let href: string;
  try {
    href = new URL(loc).href;
  } catch {
    return undefined;
  }
  return /^[\x21-\x7e]+$/.test(href) ? href : undefined;
}

/**
 * Where `/download` redirects: the `?location=<n>`-th location (0 = the first, as in the resolve
 * answer's `binary.locations`), else the first http(s) one, since curl and browsers cannot follow a
 * redirect to `file://` or `s3://`, else the first any client could use. Locations are whatever a
 * writer recorded: only one that is a URL a header can carry is ever used.
 */
export function downloadLocation(locations: string[], pick: string | null, what: string): string {
  if (pick !== null) {
    if (!/^\d{1,4}$/.test(pick)) throw new MetaError('INVALID_ARGUMENT', `?location= takes the index of a location (0 for the first), not '${pick.slice(0, 20)}'`, { location: pick.slice(0, 20) });
    const n = Number(pick);
    if (n >= locations.length) throw new MetaError('NOT_FOUND', `the binary ${what} has ${locations.length} location(s); ?location= counts from 0`, { location: n, locations: locations.length });
    const u = headerUrl(locations[n]!);
    if (!u) throw new MetaError('NOT_FOUND', `location ${n} of the binary ${what} is not usable as a redirect`, { location: n });
    return u;
  }
  const usable = locations.map(headerUrl).filter((u): u is string => u !== undefined);
  const loc = usable.find((u) => /^https?:/i.test(u)) ?? usable[0];
  if (!loc) throw new MetaError('NOT_FOUND', `the binary ${what} lists no location usable as a redirect`, {});
  return loc;
}

/** `GET /`: what this server offers, for a person or a client finding its way. */
const API_INDEX = {
  service: 'boot-meta',
  readme: 'README "meta serve" documents every route, its parameters and errors',
  routes: [
    { method: 'GET', path: '/v1/projects/{project}/channels/{channel}/resolve', query: 'platform=os/arch[&at=][&wait=s][&after=commit]', does: 'what to run: the JSON of meta resolve binary --json' },
    { method: 'GET', path: '/v1/projects/{project}/channels/{channel}/download', query: 'platform=os/arch[&at=][&location=n]', does: "302 to the binary (an http(s) location first; ?location= picks one)" },
    { method: 'GET', path: '/v1/projects/{project}/instances', query: '[env=][&at=]', does: 'the fleet joined with desired state (meta instances --json)' },
    { method: 'GET', path: '/v1/events', query: '[project=][&channel=][&types=a,b.*][&since=commit|beginning]', does: 'Server-Sent Events in commit order' },
    { method: 'POST', path: '/v1/records', auth: 'records', does: 'write a record: kind project|release|binary|promotion|rollback|hold|unhold|yank|event' },
    { method: 'POST', path: '/v1/projects/{project}/instances/{host}/report', auth: 'reports', does: 'append an instance report' },
    { method: 'GET', path: '/healthz', does: 'liveness and the served commit' },
    { method: 'GET', path: '/metrics', does: 'Prometheus metrics' },
  ],
  dashboard: null,
} as const;

/** Record text for a header: printable ASCII as is, anything else percent-encoded. */
function headerText(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
}

/** The label an API write keeps the body's `actor` under: who the token holder says it acts for. */
export const ON_BEHALF_OF = 'on-behalf-of';

/** The record and commit actor of a write made with a bearer token. */
export function tokenActor(token: string): string {
  return `token:${token}`;
}

/**
 * The body's `actor`, checked for use as the on-behalf-of label (undefined when absent or empty).
 * It is a claim of the token holder, never the record's actor: at most 256 characters of
 * well-formed Unicode, without control or bidirectional-override characters that could disguise
 * it when shown.
 */
export function checkOnBehalfOf(body: Record<string, unknown>): string | undefined {
  checkReservedLabels(body.labels);
  const v = body.actor;
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' must be a string', { field: 'actor' });
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v)) throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' is not well-formed Unicode (lone surrogate)', { field: 'actor' });
  if ([...v].length > 256) throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' is longer than 256 characters', { field: 'actor' });
  if (/[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u.test(v)) {
    throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' holds control or bidirectional-formatting characters', { field: 'actor' });
  }
  if (v.trim() !== v) throw new MetaError('INVALID_ARGUMENT', 'body: field \'actor\' has leading or trailing white space', { field: 'actor' });
  return v;
}

/** Refuses a label the server sets itself, so a caller cannot forge it. */
function checkReservedLabels(labels: unknown): void {
  if (labels && typeof labels === 'object' && Object.hasOwn(labels, ON_BEHALF_OF)) {
    throw new MetaError('INVALID_ARGUMENT', `body: label '${ON_BEHALF_OF}' is set by the server from the body's actor; send "actor" instead`, { field: 'labels' });
  }
}

/** The given directories and their real paths (what error messages may name), without duplicates. */
function hostDirectories(dirs: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    if (!d) continue;
    out.add(d.replace(/\/+$/, ''));
    try {
      out.add(realpathSync(d));
    } catch { /* not there (yet) */ }
  }
  return [...out].filter((d) => d.length > 1);
}

/** Starts `meta serve` in-process (tests and embedding); see {@link MetaServer}. */
export async function startServer(opts: ServeOptions): Promise<MetaServer> {
  return new MetaServer(opts).start();
}

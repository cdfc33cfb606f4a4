import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { formatProblem } from '../api/settingsProblem.js';
import { validateSettingsText } from '../api/validateSettings.js';
import { settingsText } from '../api/writeSettings.js';
import type { AppendOptions, AppendPlanner, AppendResult } from '../store/Repository.js';
import { RefWatcher } from '../watch/RefWatcher.js';
import { API_INDEX } from './apiIndex.js';
import { downloadRoute } from './downloadRoute.js';
import { eventsRoute } from './eventsRoute.js';
import { GroupCommitter } from './GroupCommitter.js';
import { hostDirectories } from './hostDirectories.js';
import { optionalParam, sendError, sendJson } from './httpJson.js';
import { LongPoll } from './LongPoll.js';
import { matchRoute, ROUTE_METHODS } from './matchRoute.js';
import { dashboardApiRoute } from './dashboardApiRoute.js';
import { matchDashboardRoute } from './matchDashboardRoute.js';
import { uiRoute, wantsHtml } from './uiRoute.js';
import type { Metrics } from './Metrics.js';
import { HttpError } from './publicError.js';
import { pullEvery, type PullLoop } from './pullEvery.js';
import { recordsRoute } from './recordsRoute.js';
import { reportRoute } from './reportRoute.js';
import { resolveRoute } from './resolveRoute.js';
import { serverMetrics } from './serverMetrics.js';
import { splitListen } from './splitListen.js';
import { SseHub } from './SseHub.js';

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
  /** The built dashboard served at /ui/ (default: dist/dashboard of this installation). */
  dashboardDir?: string;
  /**
   * Run a pipeline's command gates, validate and on_promote for `POST …/pipeline/promote`
   * (default false: whoever can write the pipeline would choose what runs on this server).
   */
  allowCommands?: boolean;
  /** Replicate newly recorded binaries as meta.yaml's `replication` rules say (default true; idle without rules). */
  replicate?: boolean;
  /** Where the replication cursor lives (default `<gitdir>/meta-replication`). */
  replicationStateDir?: string;
  /** Attempts after the first per replication destination (default 5), and the first backoff step (ms). */
  replicationRetries?: number;
  replicationBackoffMs?: number;
  /** `/download` answers a presigned URL valid this many seconds for an `s3://` location (default: off). */
  presignS3Seconds?: number;
}

/**
 * `meta serve`: a JSON/HTTP API over a meta repository (see README "meta serve"). Reads answer
 * from one snapshot each; writes go through a group committer; tip moves (its own writes, a
 * `git` command, a fetch) wake long-polls, event streams and the webhook dispatcher. This class
 * composes those parts and dispatches requests to the route functions beside it.
 *
 * @example
 * const server = await startServer({ repo: openMeta({ dir: '/srv/meta' }), listen: '127.0.0.1:0' });
 * console.log(server.url); // http://127.0.0.1:40123
 * await server.close();
 */
export class MetaServer {
  readonly metrics: Metrics;
  readonly committer: GroupCommitter;
  private server?: Server;
  private watcher: RefWatcher;
  private readonly sse: SseHub;
  private readonly longPoll = new LongPoll();
  private puller?: PullLoop;
  private lastFetchOk = 0;
  private dispatcher?: { kick(): void; close(): Promise<void>; lag(): Map<string, number> };
  private replicator?: { kick(): void; close(): Promise<void> };
  private storage?: { presign(url: string, seconds: number): Promise<string | undefined>; close(): Promise<void> };
  private closing = false;
  /** The meta.yaml blob whose problems were last logged (null: none yet). */
  private settingsChecked: string | undefined | null = null;
  /** Directories of this host that error messages must not reveal to clients. */
  private readonly hostDirs: string[];
  url = '';

  constructor(private readonly opts: ServeOptions) {
    const repo = opts.repo;
    const presign = opts.presignS3Seconds;
    // S3 signs at most 7 days (SigV4's limit); a presigned link is a bearer credential, so keep it short.
    if (presign !== undefined && !(Number.isInteger(presign) && presign >= 1 && presign <= 604_800)) {
      throw new MetaError('INVALID_ARGUMENT', '--presign-s3 must be a whole number of seconds from 1 to 604800 (7 days, the most S3 signs)', { presignS3Seconds: presign });
    }
    this.hostDirs = hostDirectories([repo.dir, repo.store.dir, opts.webhookStateDir, process.cwd(), homedir(), tmpdir()]);
    this.sse = new SseHub(repo, this.hostDirs, opts.log);
    this.metrics = serverMetrics({
      sseClients: () => this.sse.size,
      followerLagSeconds: () => (this.opts.remote ? (this.lastFetchOk ? (Date.now() - this.lastFetchOk) / 1000 : -1) : 0),
      webhookLagEvents: () => this.dispatcher?.lag() ?? new Map(),
      tipAgeSeconds: () => {
        const tip = repo.store.tip();
        return tip ? Math.max(0, Date.now() / 1000 - repo.store.readCommit(tip).committer.timestamp) : 0;
      },
    });
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
    this.sse.start();
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
    if (this.opts.replicate !== false && this.opts.remote) {
      // Its records would be local commits the next fetch cannot fast-forward over.
      this.opts.log?.('replication: not run beside --remote; run `meta replicate --watch --push` against a clone instead');
    } else if (this.opts.replicate !== false) {
      const { Replicator } = await import('../replication/Replicator.js');
      const r = new Replicator({
        repo: this.opts.repo, stateDir: this.opts.replicationStateDir, log: this.opts.log, retries: this.opts.replicationRetries,
        backoff: this.opts.replicationBackoffMs === undefined ? undefined : { baseMs: this.opts.replicationBackoffMs, capMs: 30_000 },
      });
      this.replicator = r;
      r.start();
      r.kick();
    }
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
    this.longPoll.wake();
    this.sse.wake();
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
    this.replicator?.kick();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const repo = this.opts.repo;
    const maxBody = this.opts.maxBodyBytes ?? 1 << 20;
    let routeName = 'unknown';
    try {
      const dash = matchDashboardRoute(rawPath);
      if (dash) {
        routeName = dash.name;
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.setHeader('Allow', 'GET');
          throw new HttpError(405, 'INVALID_ARGUMENT', `${dash.name} takes GET, not ${req.method}`);
        }
        if (dash.name === 'ui') return uiRoute(req, res, dash.asset!, this.opts.dashboardDir);
        return await dashboardApiRoute(repo, dash, query, res);
      }
      const route = matchRoute(req.method ?? 'GET', rawPath);
      routeName = route.name;
      if (route.name === 'unknown') throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${rawPath.slice(0, 200)}; see README "meta serve" for the API`);
      const method = ROUTE_METHODS[route.name]!;
      if (req.method !== method && !(req.method === 'HEAD' && method === 'GET')) {
        res.setHeader('Allow', method);
        throw new HttpError(405, 'INVALID_ARGUMENT', `${route.name} takes ${method}, not ${req.method}`);
      }
      // Every route is awaited inside this try: a rejection that escaped it would be unhandled
      // and end the process.
      switch (route.name) {
        case 'index': {
          // A browser asking for the root gets the dashboard; JSON clients keep the index.
          if (wantsHtml(req)) {
            res.writeHead(302, { location: '/ui/', vary: 'accept' });
            res.end();
            return;
          }
          return sendJson(res, 200, API_INDEX, { vary: 'accept' });
        }
        case 'healthz': return sendJson(res, 200, { ok: true, commit: repo.store.tip() ?? null });
        case 'metrics': {
          const text = this.metrics.render();
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(text);
          return;
        }
        case 'events': return eventsRoute(this.sse, repo, req, res, query);
        case 'project': {
          const { showProject } = await import('../api/showProject.js');
          return sendJson(res, 200, showProject(repo, { project: route.project!, at: optionalParam(query, 'at') }));
        }
        case 'resolve': {
          const ctx = { repo, longPoll: this.longPoll, maxWaitSeconds: this.opts.maxWaitSeconds ?? 60, closing: () => this.closing };
          return await resolveRoute(ctx, req, res, route, query);
        }
        case 'download': {
          const seconds = this.opts.presignS3Seconds;
          if (seconds && !this.storage) {
            const { openStorage } = await import('../api/openStorage.js');
            this.storage = openStorage(repo, this.opts.env);
          }
          return await downloadRoute(repo, res, route, query, seconds && this.storage ? { seconds, storage: this.storage } : undefined);
        }
        case 'instances': {
          const { listInstances } = await import('../api/listInstances.js');
          return sendJson(res, 200, listInstances(repo, { project: route.project!, env: optionalParam(query, 'env'), at: optionalParam(query, 'at') }));
        }
        case 'records': return await recordsRoute(repo, this.committer, req, res, maxBody);
        case 'report': return await reportRoute(repo, this.committer, req, res, route, maxBody);
        case 'config': {
          const { configRoute } = await import('./configRoute.js');
          return await configRoute({ repo, longPoll: this.longPoll, maxWaitSeconds: this.opts.maxWaitSeconds ?? 60, closing: () => this.closing }, req, res, route, query);
        }
        case 'flags': {
          const { flagsRoute } = await import('./flagsRoute.js');
          return await flagsRoute({ repo, longPoll: this.longPoll, maxWaitSeconds: this.opts.maxWaitSeconds ?? 60, closing: () => this.closing }, req, res, route, query);
        }
        case 'ofrep':
        case 'ofrep-bulk': {
          const { ofrepBulkRoute, ofrepFlagRoute } = await import('./ofrepRoute.js');
          const ctx = { repo, maxBodyBytes: maxBody, hostDirs: this.hostDirs, log: this.opts.log };
          return await (route.name === 'ofrep' ? ofrepFlagRoute : ofrepBulkRoute)(ctx, req, res, route);
        }
        case 'pipeline':
        case 'pipelineStatus':
        case 'pipelinePromote': {
          const { pipelineRoute } = await import('./pipelineRoute.js');
          return await pipelineRoute(repo, this.committer, req, res, route, query, { maxBodyBytes: maxBody, allowCommands: this.opts.allowCommands === true });
        }
      }
    } catch (e) {
      sendError(res, e, this.hostDirs, this.opts.log);
    } finally {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      if (routeName !== 'events') this.metrics.observe('meta_http_request_duration_seconds', { route: routeName }, secs);
      this.metrics.inc('meta_http_requests_total', { route: routeName, code: String(res.statusCode) });
    }
  }

  /** Stops listening, ends event streams and long-polls, waits for queued writes and the dispatcher. */
  async close(): Promise<void> {
    this.closing = true;
    await this.puller?.stop();
    this.sse.close();
    this.onTip();
    await this.committer.idle();
    await this.dispatcher?.close();
    await this.replicator?.close();
    await this.storage?.close();
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

/** Starts `meta serve` in-process (tests and embedding); see {@link MetaServer}. */
export async function startServer(opts: ServeOptions): Promise<MetaServer> {
  return new MetaServer(opts).start();
}

import { MetaError } from '../errors/MetaError.js';
import { checkProjectName } from '../records/names.js';
import type { MetaRepo } from '../api/openMeta.js';
import type { ResolvedBinary } from '../api/resolveBinary.js';
import type { ReportInstanceOptions } from '../api/reportInstance.js';
import type { ConfigView } from '../api/config/readConfig.js';
import type { IdentityOptions } from '../api/resolveIdentities.js';
import { EVENT_TYPES } from '../api/events.js';
import { RefWatcher } from '../watch/RefWatcher.js';
import { sseStream } from '../watch/sseClient.js';
import { pause } from '../util/pause.js';

/** What a follower asks: `include: ['config']` with `env` adds the merged config of `env` + channel read at the answer's commit. */
export interface ResolveQuery {
  project: string;
  channel: string;
  platform: string;
  after?: string;
  /** This host's name: a rollout in waves answers the release its wave gives it. */
  host?: string;
  env?: string;
  include?: string[];
}

/** Where a follower learns what to run, and where it reports. */
export interface FollowSource {
  readonly description: string;
  /**
   * What the channel wants now. With `after` (the last verified meta commit), refuses
   * (HISTORY_REWRITTEN) an answer whose commit does not descend from it.
   */
  resolve(q: ResolveQuery): Promise<ResolvedBinary>;
  /**
   * Replaces the secret references of a config read through {@link resolve} with their values,
   * decrypted here with `ids`. Only a source that holds the encrypted secrets can (a repository
   * or a clone); a server never sends secret values, and refuses (PRECONDITION_FAILED).
   */
  resolveSecrets(view: ConfigView, ids: IdentityOptions): Promise<ConfigView>;
  /** Resolves when something may have changed, or after `ms`. */
  changed(ms: number, signal?: AbortSignal): Promise<void>;
  report(r: ReportInstanceOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * A "something may have changed" flag a follower waits on: set by watchers and event streams,
 * consumed by `wait`, which returns at once when it is set, else on the next `set`, the timeout
 * or an abort.
 */
class ChangeSignal {
  private wake?: () => void;
  constructor(private flag: boolean) {}

  set(): void {
    this.flag = true;
    this.wake?.();
  }

  clear(): void {
    this.flag = false;
  }

  async wait(ms: number, abort?: AbortSignal): Promise<void> {
    // An abort that came while the follower was busy (a hook running) fires no event any more.
    if (!this.flag && !abort?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          abort?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const t = setTimeout(done, ms);
        abort?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    this.flag = false;
  }
}

/** Follows a local repository: a RefWatcher notices any tip move; reports are local appends. */
export class LocalSource implements FollowSource {
  readonly description: string;
  private watcher?: RefWatcher;
  private readonly signal = new ChangeSignal(false);

  constructor(private readonly repo: MetaRepo) {
    this.description = `repository ${repo.dir}`;
  }

  async start(): Promise<this> {
    this.watcher = new RefWatcher(this.repo.store, () => this.poke(), { pollMs: 1000 });
    await this.watcher.start();
    return this;
  }

  private poke(): void {
    this.signal.set();
  }

  async resolve(q: ResolveQuery): Promise<ResolvedBinary> {
    const { resolveBinaryIn } = await import('../api/resolveBinary.js');
    const { inFirstParentLog } = await import('../api/events.js');
    const store = this.repo.store;
    const tip = store.tip();
    if (!tip) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', {});
    // The log index answers "not on the first-parent line" at once; the walk from the tip down to
    // the last verified commit (only the commits since then) refuses a merge on the way, whose
    // second parent could carry a forged history. Something other than meta moved this branch
    // in that case (pull and the hook refuse merges), and the follower must not trust it either.
    if (q.after && (!store.hasObject(q.after) || !inFirstParentLog(this.repo, q.after, tip) || !store.isSingleParentAncestor(q.after, tip))) {
      throw new MetaError('HISTORY_REWRITTEN', `the repository's history at ${tip.slice(0, 12)} does not descend from the last verified commit ${q.after.slice(0, 12)}; refusing older or rewritten history`, { after: q.after, tip });
    }
    const snap = store.snapshot(tip);
    const r = resolveBinaryIn(this.repo, snap, q);
    const out: Record<string, unknown> = { ...r };
    if (q.include?.includes('config') && q.env !== undefined) {
      const { configAt } = await import('../api/config/readConfig.js');
      out.config = configAt(this.repo, snap, { project: r.project, env: q.env, channel: q.channel });
    }
    if (q.include?.includes('flags')) {
      // The shape the resolve route answers with `include=flags`.
      const { readFlagSetIn } = await import('../api/readFlagSet.js');
      const v = readFlagSetIn(this.repo, snap, r.project, q.channel);
      out.flags = { sequence: v.sequence, githash: v.githash, document: JSON.parse(v.document) as unknown };
    }
    return out as unknown as ResolvedBinary;
  }

  async resolveSecrets(view: ConfigView, ids: IdentityOptions): Promise<ConfigView> {
    const { resolveConfigSecrets } = await import('../api/config/readConfig.js');
    return resolveConfigSecrets(this.repo, view, ids);
  }

  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return this.signal.wait(ms, signal);
  }

  async report(r: ReportInstanceOptions): Promise<void> {
    const { reportInstance } = await import('../api/reportInstance.js');
    await reportInstance(this.repo, r);
    this.watcher?.check();
    this.signal.clear(); // our own report is not a channel change
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}

/**
 * Follows a `meta serve`: its event stream (project's channel and binary events) wakes the
 * follower, the resolve endpoint answers, reports are POSTed with a bearer token.
 */
export class ServerSource implements FollowSource {
  readonly description: string;
  private readonly signal = new ChangeSignal(true);
  private readonly ac = new AbortController();
  private loop?: Promise<void>;
  private readonly base: string;

  constructor(server: string, private readonly opts: { project: string; channel: string; token?: string; log?: (line: string) => void; /** Also wake on config changes (a follower writing a config file). */ config?: boolean; /** Also wake on flag changes (a follower writing a flags file). */ flags?: boolean }) {
    this.base = server.replace(/\/+$/, '');
    this.description = `server ${this.base}`;
  }

  /**
   * Asks the server for the project's full name (`acme/app` for `app`) and follows it by that
   * name from then on, so the event stream, the answers and the install dir's state all agree
   * with a follower that was given the full name. Call before {@link start}. An unreachable
   * server is retried with backoff until `signal` aborts; a full name the server does not know
   * yet is kept as given (the follower waits for it), a short one is NOT_FOUND.
   */
  async resolveProjectName(signal?: AbortSignal): Promise<string> {
    const asked = this.opts.project;
    checkProjectName(asked);
    for (let attempt = 0; ; attempt++) {
      try {
        const r = (await this.call('GET', `${this.base}/v1/projects/${this.projectPath()}`)) as { name?: unknown } | undefined;
        const name = typeof r?.name === 'string' ? r.name : '';
        let ok = false;
        try {
          ok = checkProjectName(name) === name && (name === asked || name.endsWith(`/${asked}`));
        } catch { /* reported below */ }
        if (!ok) throw new MetaError('CORRUPT_RECORD', `${this.base} named project ${JSON.stringify(printable(name))} for ${asked}; refusing to follow it`, { project: asked });
        this.opts.project = name;
        return name;
      } catch (e) {
        if (e instanceof MetaError && e.code === 'NOT_FOUND' && asked.includes('/')) return asked;
        if (!(e instanceof MetaError) || e.code !== 'REMOTE' || signal?.aborted) throw e;
        this.opts.log?.(`${(e as Error).message}; retrying`);
        await pause(Math.min(500 * 2 ** attempt, 10_000), signal);
        if (signal?.aborted) throw e;
      }
    }
  }

  start(): this {
    const q = new URLSearchParams({ project: this.opts.project, channel: this.opts.channel, types: ['channel.*', 'binary.recorded', ...(this.opts.config ? ['config.changed'] : []), ...(this.opts.flags && (EVENT_TYPES as readonly string[]).includes('flags.changed') ? ['flags.changed'] : [])].join(',') });
    this.loop = (async () => {
      try {
        for await (const _ of sseStream(`${this.base}/v1/events?${q}`, {
          signal: this.ac.signal, backoffMs: 500,
          onOpen: () => this.poke(), // anything may have moved while we were not connected
          onError: (e) => this.opts.log?.(`event stream: ${e.message}`),
        })) this.poke();
      } catch (e) {
        this.opts.log?.(`event stream ended: ${(e as Error).message}`);
      }
    })();
    return this;
  }

  private poke(): void {
    this.signal.set();
  }

  private projectPath(): string {
    return this.opts.project.split('/').map(encodeURIComponent).join('/');
  }

  async resolve(q: ResolveQuery): Promise<ResolvedBinary> {
    const p = new URLSearchParams({ platform: q.platform });
    if (q.after) p.set('after', q.after);
    if (q.include?.length) p.set('include', q.include.join(','));
    if (q.include?.includes('config') && q.env !== undefined) {
      p.set('env', q.env);
      p.set('config-secrets', 'encrypted');
    }
    if (q.host) p.set('host', q.host);
    const url = `${this.base}/v1/projects/${this.projectPath()}/channels/${encodeURIComponent(q.channel)}/resolve?${p}`;
    return (await this.call('GET', url)) as ResolvedBinary;
  }

  async resolveSecrets(view: ConfigView, ids: IdentityOptions): Promise<ConfigView> {
    // The server sent the encrypted files (never values); this host decrypts them with its own key.
    const { resolveConfigSecretsFromFiles } = await import('../api/config/readConfig.js');
    return resolveConfigSecretsFromFiles(view, view.encrypted ?? {}, ids);
  }

  async report(r: ReportInstanceOptions): Promise<void> {
    const url = `${this.base}/v1/projects/${this.projectPath()}/instances/${encodeURIComponent(r.host)}/report`;
    const body = { env: r.env, channel: r.channel, version: r.version, digest: r.digest, platform: r.platform, metaCommit: r.metaCommit, status: r.status, message: r.message };
    // Reports matter (the fleet view), so a few quick retries ride out a restarting server.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call('POST', url, body);
        return;
      } catch (e) {
        if (!(e instanceof MetaError) || e.code !== 'REMOTE' || attempt >= 5) throw e;
        await pause(200 * 2 ** attempt, this.ac.signal);
      }
    }
  }

  private async call(method: string, url: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.token && method !== 'GET') headers.authorization = `Bearer ${this.opts.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: this.ac.signal });
    } catch (e) {
      throw new MetaError('REMOTE', `cannot reach ${this.base}: ${(e as Error).message}`, { url }, { cause: e });
    }
    const text = await boundedText(res, url, this.ac.signal);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return json;
    const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof err?.code === 'string' ? err.code : undefined;
    // The server's words end up in the follower's log: one short line, no control characters.
    const said = printable(typeof err?.message === 'string' ? err.message : text);
    const known = ['NOT_FOUND', 'HISTORY_REWRITTEN', 'INVALID_ARGUMENT', 'INVALID_NAME', 'AUTH', 'CONFLICT', 'PRECONDITION_FAILED'];
    if (code && known.includes(code) && res.status < 500) throw new MetaError(code as 'NOT_FOUND', `${this.base}: ${said}`, { status: res.status });
    throw new MetaError('REMOTE', `${method} ${url} answered ${res.status}: ${said}`, { status: res.status });
  }

  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return this.signal.wait(ms, signal);
  }

  async close(): Promise<void> {
    this.ac.abort();
    await this.loop;
  }
}

/** Far above any answer (a resolve with config and flags is a few MiB at most). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * The body as text, refused (REMOTE) once it passes {@link MAX_ANSWER_BYTES}: a hostile server
 * streaming without end must not make the follower buffer it all.
 */
async function boundedText(res: Response, url: string, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await reader.cancel().catch(() => {});
        throw new MetaError('REMOTE', `${url} answered more than ${MAX_ANSWER_BYTES} bytes (larger than any answer of meta serve); refusing it`, { url });
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof MetaError) throw e;
    throw new MetaError('REMOTE', `cannot read the answer of ${url}: ${signal.aborted ? 'aborted' : (e as Error).message}`, { url }, { cause: e });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function printable(text: string): string {
  const t = text.replace(/[\0-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

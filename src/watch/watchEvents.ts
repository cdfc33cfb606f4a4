import type { MetaRepo } from '../api/openMeta.js';
import { checkEventTypes, listEvents, type EventFilter, type MetaEventOut } from '../api/events.js';
import { RefWatcher } from './RefWatcher.js';
import { sseStream } from './sseClient.js';

export interface WatchOptions extends EventFilter {
  /** Start after this commit (default: the tip, i.e. only new events). */
  since?: string;
  signal?: AbortSignal;
  onError?: (e: Error) => void;
  /** Called once the watch is live (local: the ref watcher runs; server: the stream is open). */
  onReady?: (info: { tip?: string }) => void;
}

/**
 * Events from a local repository as they happen: a RefWatcher notices any tip move (boot-meta,
 * `git pull`, `git update-ref`…) and the log index turns the new commits into events.
 *
 * @example
 * const ac = new AbortController();
 * for await (const ev of watchLocal(repo, { project: 'acme/app', signal: ac.signal })) console.log(ev.type);
 */
export async function* watchLocal(repo: MetaRepo, opts: WatchOptions = {}): AsyncGenerator<MetaEventOut> {
  const types = checkEventTypes(opts.types);
  let cursor = opts.since ?? repo.store.tip();
  let wake: (() => void) | undefined;
  let pending = false;
  const notify = () => {
    pending = true;
    wake?.();
  };
  const watcher = new RefWatcher(repo.store, notify, { pollMs: 1000 });
  const onAbort = () => notify();
  opts.signal?.addEventListener('abort', onAbort);
  await watcher.start();
  opts.onReady?.({ tip: cursor });
  try {
    while (!opts.signal?.aborted) {
      const tip = repo.store.tip();
      if (tip && tip !== cursor) {
        const evs = listEvents(repo, { since: cursor, until: tip, project: opts.project, channel: opts.channel, types });
        cursor = tip;
        for (const ev of evs) {
          if (opts.signal?.aborted) return;
          yield ev;
        }
        continue;
      }
      if (!pending) await new Promise<void>((r) => { wake = r; });
      wake = undefined;
      pending = false;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await watcher.close();
  }
}

/**
 * Events from a `meta serve` (its SSE stream `GET /v1/events`), resuming by `Last-Event-ID`
 * after a dropped connection.
 *
 * @example
 * for await (const ev of watchServer('http://meta:8080', { types: ['channel.*'] })) console.log(ev.version);
 */
export async function* watchServer(server: string, opts: WatchOptions = {}): AsyncGenerator<MetaEventOut> {
  const types = checkEventTypes(opts.types);
  const q = new URLSearchParams();
  if (opts.project) q.set('project', opts.project);
  if (opts.channel) q.set('channel', opts.channel);
  if (types) q.set('types', types.join(','));
  if (opts.since) q.set('since', opts.since);
  const url = `${server.replace(/\/+$/, '')}/v1/events${q.size ? `?${q}` : ''}`;
  let ready = false;
  const onOpen = () => {
    if (!ready) opts.onReady?.({});
    ready = true;
  };
  for await (const m of sseStream(url, { signal: opts.signal, onError: opts.onError, onOpen })) {
    if (!m.data) continue;
    yield JSON.parse(m.data) as MetaEventOut;
  }
}

/** One human line per event (`meta watch` without --json). */
export function formatEvent(ev: MetaEventOut): string {
  const c = ev.commit.slice(0, 12);
  switch (ev.type) {
    case 'release.recorded': return `${ev.time} ${c} release.recorded ${ev.project} ${ev.version}`;
    case 'release.yanked': return `${ev.time} ${c} release.yanked ${ev.project} ${ev.version}`;
    case 'binary.recorded': return `${ev.time} ${c} binary.recorded ${ev.project} ${ev.version} ${ev.platform}`;
    case 'instance.reported': return `${ev.time} ${c} instance.reported ${ev.project} ${ev.environment}/${ev.host} ${ev.status ?? ''} ${ev.version ?? ''}`.trimEnd();
    case 'project.added': return `${ev.time} ${c} project.added ${ev.project}`;
    case 'settings.changed': return `${ev.time} ${c} settings.changed ${ev.path}`;
    case 'config.changed': return `${ev.time} ${c} config.changed ${ev.project} ${ev.environment ?? '(defaults)'}${ev.channel ? ` ${ev.channel}` : ''} (seq ${ev.sequence})`;
    case 'flags.changed': return `${ev.time} ${c} flags.changed ${ev.project} ${ev.channel} (seq ${ev.sequence})`;
    case 'event.logged': {
      // Another tool may have written the record: only a plain dotted type reaches the terminal.
      const type = (ev.record as { type?: unknown } | undefined)?.type;
      return `${ev.time} ${c} event.logged ${typeof type === 'string' && /^[\w.-]{1,128}$/.test(type) ? `${type} ` : ''}${ev.project ? `${ev.project} ` : ''}${ev.path}`;
    }
    default: return `${ev.time} ${c} ${ev.type} ${ev.project} ${ev.channel} ${ev.version ?? ''} (seq ${ev.sequence})`;
  }
}

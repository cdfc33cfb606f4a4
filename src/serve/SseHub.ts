import type { ServerResponse } from 'node:http';
import type { MetaRepo } from '../api/openMeta.js';
import { eventsOfEntry, matchesEvent, type EventFilter, type MetaEventOut } from '../api/events.js';
import type { LogEntry } from '../store/LogEntry.js';
import { LruCache } from '../util/LruCache.js';
import { publicError } from './publicError.js';

/** Where a new event stream starts and what it wants. */
export interface SseStart {
  filter: EventFilter;
  /** The last commit whose events the client has (undefined: from the beginning). */
  cursor: string | undefined;
  /** Skip events of `cursor` up to this index (a `<commit>:<n>` resume). */
  skipIndex?: number;
}

interface SseClient extends SseStart {
  res: ServerResponse;
  busy: boolean;
  again: boolean;
}

/**
 * The open event streams of `meta serve`: each is sent the events after its cursor whenever the
 * tip moves (`wake()`), a heartbeat keeps idle ones open through proxies, and every stream shares
 * one cache of the events per commit.
 */
export class SseHub {
  private clients = new Set<SseClient>();
  private events = new LruCache<string, MetaEventOut[]>(4096);
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly repo: MetaRepo, private readonly hostDirs: string[], private readonly log?: (line: string) => void) {}

  /** Open streams (the `meta_sse_clients` gauge). */
  get size(): number {
    return this.clients.size;
  }

  /** Starts the heartbeat comment every 15 s. */
  start(): void {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) {
        if (c.res.writableEnded || c.res.destroyed) this.clients.delete(c);
        else c.res.write(': ping\n\n');
      }
    }, 15_000);
    this.heartbeat.unref();
  }

  /** Adds a stream whose headers were sent and sends it what it has not seen yet. */
  add(res: ServerResponse, start: SseStart): void {
    const client: SseClient = { res, ...start, busy: false, again: false };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    // A stream that broke is ended and forgotten; nothing after the headers can throw out of here.
    res.on('error', (e) => {
      this.clients.delete(client);
      this.log?.(`event stream: ${e.message}`);
    });
    void this.pump(client);
  }

  /** The tip moved: send every stream its new events. */
  wake(): void {
    for (const c of this.clients) void this.pump(c);
  }

  /** Stops the heartbeat and ends every stream. */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
  }

  /** The events of one commit, cached (every stream shares them). */
  private eventsOf(entry: LogEntry): MetaEventOut[] {
    let e = this.events.get(entry.commit);
    if (!e) {
      e = eventsOfEntry(this.repo, entry);
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
          this.clients.delete(c);
          return;
        }
        const tip = this.repo.store.tip();
        if (!tip || tip === c.cursor) continue;
        const entries = this.repo.store.log().since(c.cursor, tip);
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
      const { logId } = publicError(e, this.hostDirs, this.log);
      this.log?.(`event stream ended after error ${logId}`);
      this.clients.delete(c);
      c.res.end();
    } finally {
      c.busy = false;
    }
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

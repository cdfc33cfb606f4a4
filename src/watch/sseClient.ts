import { MetaError } from '../errors/MetaError.js';
import { backoffMs, pause } from '../util/pause.js';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface SseOptions {
  /** Resume after this id (sent as `Last-Event-ID`); updated as ids arrive. */
  lastEventId?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** First reconnect delay (ms), doubled per consecutive failure up to 30 s. */
  backoffMs?: number;
  /** Called on every (re)connect, e.g. to re-check state that may have moved while disconnected. */
  onOpen?: () => void;
  onError?: (e: Error) => void;
}

/**
 * Reads a Server-Sent Events stream with `fetch`, reconnecting with backoff and `Last-Event-ID`
 * (the id of the last event seen), so a dropped connection resumes where it stopped. Ends when
 * `signal` aborts; a 4xx answer other than 408/429 is final (MetaError REMOTE).
 *
 * @example
 * for await (const m of sseStream('http://127.0.0.1:8080/v1/events', { signal })) console.log(m.event, m.data);
 */
/** Far above any event (one carries at most a record of a few MiB): a line or message past it is a hostile server's. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export async function* sseStream(url: string, opts: SseOptions = {}): AsyncGenerator<SseMessage> {
  let lastId = opts.lastEventId;
  let failures = 0;
  while (!opts.signal?.aborted) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}), ...opts.headers }, signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) return;
      opts.onError?.(e as Error);
      await pause(backoffMs(++failures, { baseMs: opts.backoffMs ?? 250, capMs: 30_000 }), opts.signal);
      continue;
    }
    if (!res.ok || !res.body) {
      const text = await firstText(res, 4096);
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        throw new MetaError('REMOTE', `${url} answered ${res.status}: ${text.slice(0, 300)}`, { url, status: res.status });
      }
      opts.onError?.(new Error(`${url} answered ${res.status}`));
      await pause(backoffMs(++failures, { baseMs: opts.backoffMs ?? 250, capMs: 30_000 }), opts.signal);
      continue;
    }
    failures = 0;
    opts.onOpen?.();
    const decoder = new TextDecoder();
    let buf = '';
    let msg: { id?: string; event?: string; data: string[] } = { data: [] };
    let msgBytes = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        if (buf.length + msgBytes > MAX_MESSAGE_BYTES) throw new Error(`${url} sent an event larger than ${MAX_MESSAGE_BYTES} bytes; reconnecting`);
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
          if (line === '') {
            if (msg.data.length > 0 || msg.event) {
              if (msg.id !== undefined) lastId = msg.id;
              yield { id: msg.id, event: msg.event ?? 'message', data: msg.data.join('\n') };
            }
            msg = { data: [] };
            msgBytes = 0;
            continue;
          }
          if (line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (field === 'data') {
            msg.data.push(value);
            msgBytes += value.length + 1;
          }
          else if (field === 'event') msg.event = value;
          else if (field === 'id') msg.id = value;
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      opts.onError?.(e as Error);
    }
    if (opts.signal?.aborted) return;
    await pause(backoffMs(++failures, { baseMs: opts.backoffMs ?? 250, capMs: 30_000 }), opts.signal);
  }
}

/** The start of an error body (a hostile server's may never end), the rest left unread. */
async function firstText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
  } catch {
    // What came is enough to quote.
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

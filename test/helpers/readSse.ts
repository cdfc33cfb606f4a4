/** One Server-Sent Event as a test reads it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Reads `count` events from an SSE URL (comments and heartbeats skipped), then closes the stream.
 * Returns the response too, for its status and headers.
 */
export async function readSse(url: string, count: number, headers: Record<string, string> = {}): Promise<{ res: Response; events: SseEvent[] }> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const events: SseEvent[] = [];
  if (res.status !== 200 || !res.body) {
    ac.abort();
    return { res, events };
  }
  let buf = '';
  const dec = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const f = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      if (f.event) events.push({ id: f.id, event: f.event, data: JSON.parse(f.data!) });
    }
    if (events.length >= count) break;
  }
  ac.abort();
  return { res, events };
}

import { useEffect, useState } from 'preact/hooks';

/**
 * Follows `GET /v1/events` (read with fetch, so event types added later still count) and calls
 * `onChange` once per burst of events. Reconnects with `Last-Event-ID` after a drop; stops when
 * the returned function is called.
 */
export function followEvents(project: string | undefined, onChange: () => void): () => void {
  const ctl = new AbortController();
  let lastId: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    if (timer) return;
    // One refresh for a burst of events (a group commit sends many at once).
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, 150);
  };
  const run = async () => {
    let delay = 500;
    let connected = false;
    while (!ctl.signal.aborted) {
      try {
        const q = new URLSearchParams();
        if (project) q.set('project', project);
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (lastId) headers['last-event-id'] = lastId;
        const res = await fetch(`/v1/events${q.size ? `?${q}` : ''}`, { headers, signal: ctl.signal });
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        delay = 500;
        // After a drop, what happened in between may have been missed: reload once.
        if (connected) changed();
        connected = true;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let data = false;
            for (const line of block.split('\n')) {
              if (line.startsWith('id:')) lastId = line.slice(3).trim();
              else if (line.startsWith('data:')) data = true;
            }
            if (data) changed();
          }
        }
      } catch {
        if (ctl.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    ctl.abort();
    if (timer) clearTimeout(timer);
  };
}

/**
 * A number that grows whenever the repository changes, while `enabled` (a page looking at the
 * past does not follow). Pages put it in their data effects' dependencies to reload in place.
 */
export function useLiveTick(project: string | undefined, enabled: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return undefined;
    return followEvents(project, () => setTick((t) => t + 1));
  }, [project, enabled]);
  return tick;
}

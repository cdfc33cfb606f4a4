import type { GateVerdict } from './GateOutcome.js';

export interface HttpGateSpec {
  url: string;
  expect: number;
  timeoutMs: number;
  retries: number;
}

/** One GET: the status, or why there was none. The body is read no further than needed and never kept. */
async function tryOnce(url: URL, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: { status?: number; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    // No agent keeps sockets, no redirect is followed: the answer of this URL is what counts.
    const req = mod.request(url, { method: 'GET', agent: false, headers: { 'user-agent': 'boot-meta-gate', accept: '*/*' } }, (res) => {
      finish({ status: res.statusCode ?? 0 });
      res.destroy();
    });
    const timer = setTimeout(() => finish({ error: 'timeout' }), timeoutMs);
    req.on('error', (e) => finish({ error: (e as NodeJS.ErrnoException).code ?? 'error' }));
    req.end();
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `http`: GET `url` until it answers `expect`, at most 1 + `retries` tries, each bounded by
 * `timeoutMs`, with a short growing pause between them. Passed on the first expected answer;
 * failed otherwise (a timeout or a refused connection too), with the last status or error, the
 * number of tries and how long it took as evidence. The captain tries again on its next pass.
 *
 * @example
 * await httpGate({ url: 'http://127.0.0.1:8080/healthz', expect: 200, timeoutMs: 5000, retries: 3 })
 * // { state: 'failed', detail: 'GET http://127.0.0.1:8080/healthz answered 503, not 200 (4 tries, 3.1s)', … }
 */
export async function httpGate(gate: HttpGateSpec): Promise<GateVerdict> {
  let url: URL;
  try {
    url = new URL(gate.url);
  } catch {
    return { state: 'failed', detail: `'${gate.url.slice(0, 100)}' is not a URL`, evidence: { error: 'bad-url' } };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    return { state: 'failed', detail: 'only http(s) URLs without credentials are checked', evidence: { error: 'bad-url' } };
  }
  const started = Date.now();
  const tries = 1 + Math.min(10, Math.max(0, gate.retries));
  const timeout = Math.min(60_000, Math.max(1, gate.timeoutMs));
  let last: { status?: number; error?: string } = {};
  let n = 0;
  for (; n < tries; n++) {
    if (n > 0) await pause(Math.min(2000, 100 * 2 ** (n - 1)));
    last = await tryOnce(url, timeout);
    if (last.status === gate.expect) break;
  }
  const ms = Date.now() - started;
  const triesDone = Math.min(n + 1, tries);
  const evidence: Record<string, string> = { tries: String(triesDone), duration_ms: String(ms), expect: String(gate.expect) };
  if (last.status !== undefined) evidence.status = String(last.status);
  if (last.error) evidence.error = last.error;
  const shown = `GET ${url.origin}${url.pathname}`;
  const timing = `(${triesDone} ${triesDone === 1 ? 'try' : 'tries'}, ${(ms / 1000).toFixed(1)}s)`;
  if (last.status === gate.expect) return { state: 'passed', detail: `${shown} answered ${last.status} ${timing}`, evidence };
  const what = last.status !== undefined ? `answered ${last.status}, not ${gate.expect}` : last.error === 'timeout' ? `gave no answer within ${timeout} ms` : `failed: ${last.error}`;
  return { state: 'failed', detail: `${shown} ${what} ${timing}`, evidence };
}

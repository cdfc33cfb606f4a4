/** Reads and writes through the same JSON routes every other client uses. */

/** An error answer of `meta serve` (`{"error":{code,message}}`), or a network failure. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, 'INTERNAL', `the server answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
    throw new ApiError(res.status, String(e?.code ?? 'INTERNAL'), String(e?.message ?? `HTTP ${res.status}`));
  }
  return body as T;
}

/**
 * GET a route with its query (empty values left out).
 *
 * @example
 * const v = await getJson<ProjectsOverview>('/v1/projects', { at: '2026-03-01' });
 */
export async function getJson<T>(path: string, query: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  const res = await fetch(s ? `${path}?${s}` : path, { headers: { accept: 'application/json' }, signal, credentials: 'same-origin' });
  return answer<T>(res);
}

/** Writes one record (`POST /v1/records`) with the session's token. */
export async function postRecord<T>(token: string, body: Record<string, unknown>): Promise<T> {
  return postJson<T>(token, '/v1/records', body);
}

/** POSTs JSON to a write route with the session's token (only ever as the Authorization header). */
export async function postJson<T>(token: string, path: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  return answer<T>(res);
}

/** The path of a project's route: its name as one percent-encoded segment. */
export function projectPath(project: string, rest = ''): string {
  return `/v1/projects/${encodeURIComponent(project)}${rest}`;
}

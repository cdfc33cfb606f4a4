import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { HttpError } from './publicError.js';

/**
 * The headers of every dashboard answer. The policy allows only this origin's own scripts, styles
 * and API: an injected `<script>` or inline handler would not run even if some record text ever
 * reached the page as markup, and no font, script or image is fetched from elsewhere.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

interface Asset { body: Buffer; type: string; etag: string }

/** The built dashboard: its page and its assets by file name, read once (the build never changes under a running server). */
interface Built { index: Asset; assets: Map<string, Asset> }

const loaded = new Map<string, Built | null>();

/** Where `npm run build` puts the dashboard, from this file in src/serve/ or dist/serve/. */
export function defaultDashboardDir(): string {
  return fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));
}

function asset(body: Buffer, name: string): Asset {
  const ext = /\.[a-z]+$/.exec(name)?.[0] ?? '';
  return { body, type: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` };
}

/**
 * Reads the built folder into memory: index.html and the regular files directly in `assets/`.
 * Only those names can ever be answered, so no request path is ever joined to a file path.
 */
function load(dir: string): Built | null {
  if (loaded.has(dir)) return loaded.get(dir)!;
  let built: Built | null = null;
  try {
    const index = asset(readFileSync(join(dir, 'index.html')), 'index.html');
    const assets = new Map<string, Asset>();
    const adir = join(dir, 'assets');
    for (const name of readdirSync(adir)) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) continue;
      const p = join(adir, name);
      if (!statSync(p).isFile()) continue;
      assets.set(name, asset(readFileSync(p), name));
    }
    built = { index, assets };
  } catch {
    built = null;
  }
  loaded.set(dir, built);
  return built;
}

/** Refuses empty, `.` and `..` segments, backslashes, NUL and bad escapes anywhere below /ui/ (none of the pages has them). */
function checkPath(rest: string): void {
  const segs = rest.split('/');
  for (const [i, raw] of segs.entries()) {
    if (raw === '' && i < segs.length - 1) throw new HttpError(400, 'INVALID_ARGUMENT', 'the dashboard path has an empty segment');
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'the dashboard path is not valid percent-encoding');
    }
    if (seg === '.' || seg === '..' || /[\0-\x1f\\]/.test(seg) || seg.split('/').some((s) => s === '.' || s === '..')) {
      throw new HttpError(400, 'INVALID_ARGUMENT', "the dashboard path has a '.', '..', backslash or control-character segment");
    }
  }
}

/**
 * `GET /ui/…`: the dashboard. `assets/<name>` answers a built file (content-hashed names, cached
 * for a year); every other path below `/ui/` is a page of the dashboard and answers index.html
 * (not cached), whose script then reads the path. `/ui` redirects to `/ui/`.
 */
export function uiRoute(req: IncomingMessage, res: ServerResponse, rest: string, dir: string = defaultDashboardDir()): void {
  if (req.url === '/ui') {
    res.writeHead(308, { location: '/ui/', ...DASHBOARD_HEADERS });
    res.end();
    return;
  }
  checkPath(rest);
  const built = load(dir);
  if (!built) throw new HttpError(404, 'NOT_FOUND', 'the dashboard is not built in this installation; run `npm run build`');
  let a: Asset | undefined;
  let cache: string;
  if (rest.startsWith('assets/')) {
    a = built.assets.get(rest.slice('assets/'.length));
    if (!a) throw new HttpError(404, 'NOT_FOUND', 'no such dashboard asset');
    cache = 'public, max-age=31536000, immutable';
  } else {
    a = built.index;
    cache = 'no-cache';
  }
  const headers = { ...DASHBOARD_HEADERS, 'content-type': a.type, 'content-length': String(a.body.length), 'cache-control': cache, etag: a.etag };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, { ...DASHBOARD_HEADERS, etag: a.etag, 'cache-control': cache });
    res.end();
    return;
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : a.body);
}

/** True when a `GET /` comes from a browser (it prefers HTML over JSON): it is sent to the dashboard. */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return /(^|,)\s*text\/html/i.test(accept);
}

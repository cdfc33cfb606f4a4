import { MetaError } from '../errors/MetaError.js';
import { authHeader, scrubSecrets, type Credentials } from './credentials.js';
import { httpRequest, readBody, type HttpResponse } from './httpRequest.js';

const ZERO = '0000000000000000000000000000000000000000';
const AGENT = 'boot-meta/0.1';

/** What a smart-HTTP server advertises for one service (protocol v0/v1). */
export interface Advertisement {
  refs: Map<string, string>;
  capabilities: Set<string>;
  /** `HEAD` → `refs/heads/main` when the server says so. */
  symrefs: Map<string, string>;
}

export interface RemoteTarget {
  url: string;
  credentials?: Credentials;
}

function endpoint(url: string, suffix: string): string {
  return `${url.replace(/\/+$/, '')}/${suffix}`;
}

/** One HTTP exchange; every failure becomes a MetaError whose text holds no credential. */
async function request(target: RemoteTarget, path: string, init: { method: string; body?: Buffer; headers?: Record<string, string> }): Promise<Buffer> {
  const headers: Record<string, string> = { 'User-Agent': `git/2.0 (${AGENT})`, ...init.headers };
  // Sent up front: one round trip fewer than waiting for the 401, and only to the configured URL.
  if (target.credentials) headers.Authorization = authHeader(target.credentials);
  const shown = scrubSecrets(target.url, target.credentials);
  let res: HttpResponse;
  let body: Buffer;
  try {
    res = await httpRequest(endpoint(target.url, path), { method: init.method, headers, body: init.body });
    body = await readBody(res.body);
  } catch (e) {
    const why = scrubSecrets(String((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message), target.credentials);
    throw new MetaError('REMOTE', `cannot reach ${shown}: ${why}; check the URL and your network`, { url: shown });
  }
  if (res.status === 401 || res.status === 403) {
    throw new MetaError('AUTH', `${shown} refused ${target.credentials ? 'the credentials' : 'access without credentials'} (HTTP ${res.status}); set $META_GIT_TOKEN, or $META_GIT_USERNAME and $META_GIT_PASSWORD, or $META_GIT_CREDENTIAL_HELPER`, { url: shown, status: res.status });
  }
  if (res.status === 404) throw new MetaError('NOT_FOUND', `no git repository at ${shown} (HTTP 404); check the URL`, { url: shown, status: 404 });
  if (res.status < 200 || res.status > 299) {
    throw new MetaError('REMOTE', `${shown} answered HTTP ${res.status}: ${scrubSecrets(body.toString('utf8').slice(0, 200).trim(), target.credentials)}`, { url: shown, status: res.status });
  }
  return body;
}

/** Splits pkt-lines; `null` marks a flush packet. */
export function parsePktLines(buf: Buffer): (Buffer | null)[] {
  const out: (Buffer | null)[] = [];
  let i = 0;
  while (i + 4 <= buf.length) {
    const len = Number.parseInt(buf.toString('latin1', i, i + 4), 16);
    if (Number.isNaN(len)) throw new MetaError('REMOTE', 'the server sent a malformed pkt-line; is this a git smart-HTTP URL?', {});
    if (len < 4) {
      out.push(null);
      i += 4;
      continue;
    }
    out.push(buf.subarray(i + 4, i + len));
    i += len;
  }
  return out;
}

export function pktLine(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
}

/**
 * Lists the remote's refs: one GET of `info/refs`, about 10 ms, cheap enough to poll before
 * deciding whether a fetch is needed at all (a full no-op fetch negotiation costs far more).
 */
export async function advertisedRefs(target: RemoteTarget, service: 'git-upload-pack' | 'git-receive-pack'): Promise<Advertisement> {
  const body = await request(target, `info/refs?service=${service}`, { method: 'GET', headers: { Accept: '*/*' } });
  const lines = parsePktLines(body);
  if (!lines[0] || !lines[0].toString('latin1').startsWith(`# service=${service}`)) {
    throw new MetaError('REMOTE', `${scrubSecrets(target.url, target.credentials)} does not speak git's smart-HTTP protocol (dumb HTTP is not supported)`, { url: scrubSecrets(target.url, target.credentials) });
  }
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  const symrefs = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (!line) continue;
    let text = line.toString('latin1').replace(/\n$/, '');
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      for (const c of text.slice(nul + 1).split(' ')) {
        if (!c) continue;
        capabilities.add(c);
        const m = /^symref=([^:]+):(.+)$/.exec(c);
        if (m) symrefs.set(m[1]!, m[2]!);
      }
      text = text.slice(0, nul);
    }
    const [oid, name] = text.split(' ');
    if (oid && name && oid !== ZERO && !name.endsWith('^{}')) refs.set(name, oid);
  }
  return { refs, capabilities, symrefs };
}

export interface RefUpdate {
  ref: string;
  /** What the ref must hold on the server for the update to apply (undefined: must not exist). */
  old: string | undefined;
  new: string;
}

export interface ReceiveResult {
  ok: boolean;
  /** `ng` reason per ref, when rejected. */
  rejected: Map<string, string>;
  /** What the server's hooks printed (side band 2), one line each. */
  messages: string[];
}

/**
 * Sends a pack and ref updates to `git-receive-pack`. The server applies each update only if the
 * ref still holds `old` (its own compare-and-swap), so a concurrent pusher makes us lose, never
 * overwrite.
 */
export async function receivePack(target: RemoteTarget, updates: RefUpdate[], pack: Buffer): Promise<ReceiveResult> {
  const caps = `report-status side-band-64k agent=${AGENT}`;
  const cmds = updates.map((u, i) => pktLine(`${u.old ?? ZERO} ${u.new} ${u.ref}${i === 0 ? `\0${caps}` : ''}\n`));
  const body = Buffer.concat([...cmds, Buffer.from('0000'), pack]);
  const res = await request(target, 'git-receive-pack', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-git-receive-pack-request', Accept: 'application/x-git-receive-pack-result' },
  });
  const report: Buffer[] = [];
  const progress: Buffer[] = [];
  let fatal = '';
  for (const line of parsePktLines(res)) {
    if (!line || line.length === 0) continue;
    const band = line[0];
    if (band === 1) report.push(line.subarray(1));
    else if (band === 2) progress.push(line.subarray(1));
    else if (band === 3) fatal += line.subarray(1).toString('utf8');
  }
  // Packets cut the server's text anywhere, even inside a line or a UTF-8 sequence: split into
  // lines only once it is whole, as git push does, so a hook's message stays one line.
  const messages = Buffer.concat(progress).toString('utf8').split(/\r?\n|\r/).filter((s) => s.trim());
  if (fatal) throw new MetaError('REMOTE', `the server failed the push: ${scrubSecrets(fatal.trim(), target.credentials)}`, { url: scrubSecrets(target.url, target.credentials) });
  const rejected = new Map<string, string>();
  let unpackOk = false;
  let seen = 0;
  for (const line of parsePktLines(Buffer.concat(report))) {
    if (!line) continue;
    const text = line.toString('utf8').replace(/\n$/, '');
    if (text.startsWith('unpack ')) {
      unpackOk = text === 'unpack ok';
      if (!unpackOk) rejected.set('*', text.slice(7));
    } else if (text.startsWith('ok ')) seen++;
    else if (text.startsWith('ng ')) {
      seen++;
      const rest = text.slice(3);
      const sp = rest.indexOf(' ');
      rejected.set(sp < 0 ? rest : rest.slice(0, sp), sp < 0 ? '' : rest.slice(sp + 1));
    }
  }
  if (seen === 0 && rejected.size === 0) rejected.set('*', 'no status report from the server');
  return { ok: unpackOk && rejected.size === 0, rejected, messages: messages.map((m) => scrubSecrets(m, target.credentials)) };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetaError } from '../errors/MetaError.js';
import { HttpError, publicError } from './publicError.js';

/** Answers `body` as JSON with `status` and any extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Answers an error as `{"error":{code,message}}`. The message never carries host paths, file
 * bytes or stack traces (see publicError); a failure after the headers went out cuts the
 * connection, the only signal left that the answer is incomplete.
 */
export function sendError(res: ServerResponse, e: unknown, hostDirs: string[], log?: (line: string) => void): void {
  const pub = publicError(e, hostDirs, log);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, pub.status, { error: { code: pub.code, message: pub.message } }, pub.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
}

/** Answers 304 for the client's `commit`. */
export function sendNotModified(res: ServerResponse, commit: string): void {
  res.writeHead(304, { etag: `"${commit}"` });
  res.end();
}

/** The first entity tag of `If-None-Match`, unquoted (a weak tag counts as its value). */
export function etagOf(req: IncomingMessage): string | undefined {
  const h = req.headers['if-none-match'];
  if (!h) return undefined;
  return h.split(',')[0]!.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** A query parameter that must be present and non-empty. */
export function requireParam(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw new MetaError('INVALID_ARGUMENT', `query parameter ?${name}= is required`, { param: name });
  return v;
}

/** A query parameter, or undefined when absent or empty. */
export function optionalParam(q: URLSearchParams, name: string): string | undefined {
  return q.get(name) || undefined;
}

/**
 * Reads a JSON body of at most `max` bytes (413 beyond, 400 when it does not parse or is not
 * UTF-8, 415 when it is not JSON).
 */
export async function readJson(req: IncomingMessage, res: ServerResponse, max: number): Promise<unknown> {
  const ct = req.headers['content-type'];
  if (ct && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(ct)) throw new HttpError(415, 'INVALID_ARGUMENT', `send the body as application/json, not ${ct.slice(0, 100)}`);
  const tooLarge = (message: string) => {
    // The rest of an oversized body is not read: the connection closes after the answer.
    res.setHeader('connection', 'close');
    req.resume();
    return new HttpError(413, 'INVALID_ARGUMENT', message);
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw tooLarge(`the body is ${declared} bytes; the limit is ${max}`);
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > max) throw tooLarge(`the body exceeds the limit of ${max} bytes`);
      chunks.push(c as Buffer);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new MetaError('INVALID_ARGUMENT', 'the request body could not be read to its end', {});
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new MetaError('INVALID_ARGUMENT', 'the body is not valid UTF-8', {});
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // JSON.parse's message quotes a slice of the input; the position is enough.
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new MetaError('INVALID_ARGUMENT', `the body is not valid JSON${pos ? ` (at character ${pos})` : ''}`, {});
  }
}

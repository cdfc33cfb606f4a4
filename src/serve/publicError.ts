import { randomBytes } from 'node:crypto';
import { MetaError, isMetaError, type MetaErrorCode } from '../errors/MetaError.js';

/**
 * The HTTP status of every error code. Typed over every code, so adding a code without deciding
 * its status does not compile.
 */
export const STATUS: Record<MetaErrorCode, number> = {
  INVALID_ARGUMENT: 400, INVALID_NAME: 400, NOT_FOUND: 404, NOT_A_META_REPO: 500, ALREADY_EXISTS: 409, CONFLICT: 409,
  PRECONDITION_FAILED: 412, CORRUPT_RECORD: 500, INTEGRITY: 500, VERIFY_FAILED: 500, MAC_MISMATCH: 500, DIGEST_MISMATCH: 422,
  HISTORY_REWRITTEN: 409, LOCK_TIMEOUT: 503, REMOTE: 502, REPLICATION_FAILED: 502, AUTH: 401, NO_IDENTITY: 500, IO: 500, INTERNAL: 500,
};

/**
 * What a client learns of a server-side failure. The detailed message of a 5xx names files of the
 * server (lock files, packs, the repository directory), wraps system errors or quotes file bytes,
 * none of which is the client's business; the operator finds it in the server log by the id.
 */
const SERVER_SIDE: Partial<Record<MetaErrorCode, string>> = {
  NOT_A_META_REPO: 'the server has no readable meta repository',
  CORRUPT_RECORD: 'the served repository holds data that does not decode; its operator should run `meta verify`',
  INTEGRITY: 'the served repository failed an integrity check; its operator should run `meta verify`',
  VERIFY_FAILED: 'the served repository failed verification; its operator should run `meta verify`',
  MAC_MISMATCH: 'a secret on the server failed its integrity check',
  NO_IDENTITY: 'the server holds no identity for this secret',
  LOCK_TIMEOUT: 'the repository is busy with another writer; retry shortly',
  REMOTE: 'the server could not reach its remote; retry later',
  REPLICATION_FAILED: 'some copies of the binary could not be made; retry later',
  IO: 'the server hit a file system error',
  INTERNAL: 'internal server error',
};

/** An error with an HTTP status of its own (405, 413, 415, 403). */
export class HttpError extends MetaError {
  constructor(readonly status: number, code: MetaErrorCode, message: string) {
    super(code, message, {});
  }
}

export interface PublicError {
  status: number;
  code: MetaErrorCode;
  message: string;
  /** Set when the detail went to the server log instead of the answer: the id the answer names. */
  logId?: string;
}

/**
 * Maps any thrown value to what an HTTP answer may carry. Client errors (4xx) keep their message,
 * with every directory in `hostDirs` replaced and stack-frame lines dropped; server errors (5xx)
 * get a fixed message per code plus an id under which `log` receives the detail.
 */
export function publicError(e: unknown, hostDirs: readonly string[], log?: (line: string) => void): PublicError {
  const err = isMetaError(e) ? e : undefined;
  const code: MetaErrorCode = err?.code ?? 'INTERNAL';
  const status = e instanceof HttpError ? e.status : STATUS[code] ?? 500;
  if (status < 500 && err) return { status, code, message: scrub(err.message, hostDirs) };
  const logId = randomBytes(6).toString('hex');
  const detail = err
    ? `${err.code}: ${oneLine(err.message)}${err.cause instanceof Error ? ` (cause: ${oneLine(err.cause.message)})` : ''}`
    : e instanceof Error ? `${oneLine(`${e.name}: ${e.message}`)}\n${(e.stack ?? '').split('\n').filter((l) => /^\s+at\s/.test(l)).join('\n')}` : oneLine(String(e));
  log?.(`error ${logId}: ${detail}`);
  const base = SERVER_SIDE[code] ?? SERVER_SIDE.INTERNAL!;
  return { status, code, message: `${base} (error id ${logId}; the server log has the details)`, logId };
}

/** `message` with host directories replaced by `<server path>` and no stack-frame lines. */
export function scrub(message: string, hostDirs: readonly string[]): string {
  let out = message;
  // Longest first, so a directory inside another is not left half-replaced.
  for (const d of [...new Set(hostDirs)].filter((d) => d.length > 1).sort((a, b) => b.length - a.length)) {
    out = out.split(d).join('<server path>');
  }
  return out
    .split('\n')
    .filter((l) => !/^\s+at\s/.test(l))
    .join('\n');
}

/** Text as one log line: messages can quote request input, which must not forge log lines. */
function oneLine(s: string): string {
  return s.replace(/[\0-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

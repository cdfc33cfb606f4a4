/**
 * The one base class of every error boot-meta throws on purpose.
 *
 * `code` is stable (tests, scripts and the CLI's exit codes depend on it), `data` carries the
 * structured facts (paths, commits, names) and `message` tells the user what to do next.
 * Only the CLI maps codes to exit codes; library users branch on `code`.
 *
 * @example
 * try { await meta.promote({ project: 'acme/app', channel: 'stable', version: '1.2.0' }); }
 * catch (e) { if (e instanceof MetaError && e.code === 'CONFLICT') retryLater(); else throw e; }
 */
const BRAND = Symbol.for('boot-meta.MetaError');

export class MetaError extends Error {
  readonly code: MetaErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: MetaErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetaError';
    this.code = code;
    this.data = data;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * The CLI's bundle and dist/ each hold a copy of this class (a bundled command calls into
   * dist/ for code it loads lazily), so `instanceof MetaError` checks a brand, not the prototype.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (this !== MetaError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }

  toJSON(): { code: string; message: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

/** Every stable error code, grouped by the exit code the CLI gives it (see README "Exit codes"). */
export const EXIT_CODES = {
  INVALID_ARGUMENT: 2,
  INVALID_NAME: 2,
  NOT_A_META_REPO: 3,
  NOT_FOUND: 3,
  ALREADY_EXISTS: 4,
  CONFLICT: 4,
  PRECONDITION_FAILED: 5,
  CORRUPT_RECORD: 6,
  INTEGRITY: 6,
  VERIFY_FAILED: 6,
  MAC_MISMATCH: 6,
  DIGEST_MISMATCH: 6,
  HISTORY_REWRITTEN: 7,
  LOCK_TIMEOUT: 8,
  REMOTE: 9,
  REPLICATION_FAILED: 9,
  AUTH: 10,
  NO_IDENTITY: 10,
  IO: 11,
  INTERNAL: 1,
} as const;

export type MetaErrorCode = keyof typeof EXIT_CODES;

/** True when `e` is a MetaError, optionally with the given code. */
export function isMetaError(e: unknown, code?: MetaErrorCode): e is MetaError {
  return e instanceof MetaError && (code === undefined || e.code === code);
}

import { EXIT_CODES, MetaError } from '../errors/MetaError.js';
import type { CliContext } from './context.js';
import { quotePath } from './quote.js';

/**
 * The CLI's one error reporter: one line on stderr (or `{"error": {code, message, data}}` with
 * --json) and the exit code of the error's code. A raw file-system error (a write into a
 * read-only repository, a full disk) is something a user causes, not a bug: it becomes IO
 * (exit 11) naming the path the user gave, never a stack trace. Only INTERNAL keeps the stack.
 */

/** What the reporter may name: the repository and the paths as the user typed them. */
export interface ReportHints {
  cwd: string;
  /** --repo, else $META_REPO; undefined means the current directory. */
  repo?: string;
  /** Paths given on the command line (file and directory options and positionals). */
  paths?: string[];
}

const ERRNO: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a file is in the way where a directory should be',
  ENOENT: 'a file or directory is missing',
  EEXIST: 'a file is in the way',
  ENOTEMPTY: 'a directory is not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ELOOP: 'too many symbolic links',
  EBUSY: 'resource busy',
  ETXTBSY: 'file busy',
  EXDEV: 'cannot move across file systems',
  EAGAIN: 'resource temporarily unavailable',
  ENAMETOOLONG: 'a name is too long for the file system',
};

const READS = new Set(['read', 'stat', 'lstat', 'fstat', 'readdir', 'scandir', 'opendir', 'readlink', 'realpath', 'access']);

function errnoOf(e: unknown): { code: string; syscall?: string; path?: string } | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as NodeJS.ErrnoException;
  if (typeof x.code !== 'string' || !(x.code in ERRNO) || typeof x.errno !== 'number') return undefined;
  return { code: x.code, syscall: x.syscall, path: x.path };
}

const resolve = (cwd: string, p: string) => {
  const parts: string[] = [];
  for (const s of (p.startsWith('/') ? p : `${cwd}/${p}`).split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return `/${parts.join('/')}`;
};
const within = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** A raw errno error as the MetaError the user should see, naming only paths the user gave. */
export function fromErrno(e: unknown, hints: ReportHints): MetaError | undefined {
  const x = errnoOf(e);
  if (!x) return undefined;
  let where = 'a file it needed';
  let path: string | undefined;
  if (x.path !== undefined) {
    // The most specific path the user gave that holds the failing one; the repository counts.
    const abs = resolve(hints.cwd, x.path);
    const repo = hints.repo ?? '.';
    const candidates = [...(hints.paths ?? []).filter((p) => p !== ''), repo]
      .map((p) => ({ p, dir: resolve(hints.cwd, p) }))
      .filter((c) => within(abs, c.dir))
      .sort((a, b) => b.dir.length - a.dir.length);
    const best = candidates[0];
    if (best) {
      path = best.p;
      const isRepo = best.p === repo && !(hints.paths ?? []).includes(best.p);
      where = !isRepo ? quotePath(best.p) : hints.repo === undefined ? 'the meta repository in the current directory' : `the meta repository ${quotePath(repo)}`;
    }
  }
  const verb = x.syscall === undefined ? 'use' : READS.has(x.syscall) ? 'read' : x.syscall === 'open' ? 'open' : 'write to';
  const data: Record<string, unknown> = { errno: x.code, ...(x.syscall ? { syscall: x.syscall } : {}), ...(path !== undefined ? { path } : {}) };
  if (x.code === 'ENAMETOOLONG') return new MetaError('INVALID_ARGUMENT', `cannot ${verb} ${where}: ${ERRNO[x.code]} (ENAMETOOLONG); use a shorter name`, data, { cause: e });
  return new MetaError('IO', `cannot ${verb} ${where}: ${ERRNO[x.code]} (${x.code})`, data, { cause: e });
}

/**
 * Control characters never reach the terminal: a name from a hostile repository could carry
 * escape sequences. Continuation lines (a remote's rejection messages) are indented, so nothing
 * in a message can pass for a line of its own.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, (c) => (c === '\t' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).replace(/\n/g, '\n  ');
}

export function toMetaError(e: unknown, hints: ReportHints): MetaError {
  if (e instanceof MetaError) {
    // A name too long for the file system is the user's to shorten, whoever wrapped the error.
    if (e.code === 'IO' && (e.cause as { code?: unknown } | undefined)?.code === 'ENAMETOOLONG') {
      return new MetaError('INVALID_ARGUMENT', `${e.message.replace(/\s*$/, '')}; use a shorter name`, { ...e.data, errno: 'ENAMETOOLONG' }, { cause: e });
    }
    return e;
  }
  return fromErrno(e, hints) ?? new MetaError('INTERNAL', `unexpected error: ${(e as Error)?.stack ?? String(e)}`, {});
}

/** Reports `e` and returns the exit code. */
export function reportError(ctx: CliContext, json: boolean, e: unknown, hints: ReportHints = { cwd: ctx.cwd }): number {
  const err = toMetaError(e, hints);
  if (json) ctx.err(`${JSON.stringify({ error: err.toJSON() })}\n`);
  else ctx.err(`meta: ${terminalSafe(err.message)}\n`);
  return EXIT_CODES[err.code] ?? 1;
}

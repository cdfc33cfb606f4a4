import { MetaError } from '../errors/MetaError.js';
import type { CliContext } from './context.js';
import { quotePath } from './quote.js';

/**
 * Input files the user names (`--file`, `show <file> --raw-stdin`, `secret encrypt <file>`): one
 * check for all of them, so a missing, unreadable or wrong kind of file is the same usage error
 * (INVALID_ARGUMENT, exit 2) naming the path as given, whichever command reads it.
 */

const WHY: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of its path is not a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EISDIR: 'it is a directory',
};

function why(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code && WHY[code]) ?? `it cannot be read (${code ?? 'error'})`;
}

function refuse(what: string, file: string, reason: string, errno?: string): MetaError {
  return new MetaError('INVALID_ARGUMENT', `cannot read ${what} ${quotePath(file)}: ${reason}`, { path: file, ...(errno ? { errno } : {}) });
}

/**
 * The absolute path of an input file after checking it can be read: a regular file, or a pipe
 * (`--file <(sops -d x)`). Devices, sockets and directories are refused: reading them either
 * fails or never ends.
 */
export async function inputFile(ctx: CliContext, file: string, what: string): Promise<string> {
  if (file === '') throw new MetaError('INVALID_ARGUMENT', `${what} needs a file name (or - for standard input)`, { path: file });
  const fs = await import('node:fs');
  const path = file.startsWith('/') ? file : `${ctx.cwd.replace(/\/$/, '')}/${file}`;
  let st;
  try {
    st = fs.statSync(path);
    fs.accessSync(path, fs.constants.R_OK);
  } catch (e) {
    throw refuse(what, file, why(e), (e as { code?: string }).code);
  }
  if (st.isDirectory()) throw refuse(what, file, 'it is a directory');
  if (!st.isFile() && !st.isFIFO()) throw refuse(what, file, 'it is not a regular file');
  return path;
}

/** The bytes of an input file (see inputFile). */
export async function readInputFile(ctx: CliContext, file: string, what: string): Promise<Buffer> {
  const path = await inputFile(ctx, file, what);
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync(path);
  } catch (e) {
    throw refuse(what, file, why(e), (e as { code?: string }).code);
  }
}

/** Standard input, or a usage error when there is none to read (or nothing, with `nonEmpty`). */
export async function readStdin(ctx: CliContext, what: string, opts: { nonEmpty?: boolean } = {}): Promise<Buffer> {
  if (!ctx.stdin) throw new MetaError('INVALID_ARGUMENT', `no standard input to read ${what} from`, {});
  let data: Buffer;
  try {
    data = await ctx.stdin();
  } catch (e) {
    throw new MetaError('INVALID_ARGUMENT', `cannot read ${what} from standard input: ${why(e)}`, { errno: (e as { code?: string }).code });
  }
  if (opts.nonEmpty && data.length === 0) throw new MetaError('INVALID_ARGUMENT', `standard input is empty: pipe ${what} in, or name a file`, {});
  return data;
}

import type { CliContext } from './context.js';

/** Identity options for the API: files relative to the working directory, the CLI's environment. */
export function identityArgs(ctx: CliContext, files: string[] | undefined): { identityFiles: string[]; envVars: Record<string, string | undefined> } {
  return { identityFiles: (files ?? []).map((f) => absolute(ctx, f)), envVars: ctx.env };
}

export function absolute(ctx: CliContext, file: string): string {
  return file.startsWith('/') ? file : `${ctx.cwd.replace(/\/$/, '')}/${file}`;
}

/**
 * Text for stdout from plaintext bytes. The CLI context writes strings, so bytes that are not
 * UTF-8 (a binary secret) must go to a file instead of being mangled.
 */
export async function printable(bytes: Uint8Array, what: string): Promise<string> {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const { MetaError } = await import('../errors/MetaError.js');
    throw new MetaError('INVALID_ARGUMENT', `${what} is binary (not UTF-8): write it to a file with --out <file>`, {});
  }
}

/**
 * Writes a file atomically (temporary file + rename) with `mode`; `exclusive` refuses to replace
 * an existing file. Plaintext secrets go out with mode 0600.
 */
export async function writeOut(path: string, data: Uint8Array | string, mode: number, exclusive = false): Promise<void> {
  const fs = await import('node:fs');
  const { MetaError } = await import('../errors/MetaError.js');
  if (exclusive && fs.existsSync(path)) throw new MetaError('ALREADY_EXISTS', `${path} exists; choose another --out`, { path });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, data, { mode, flag: 'wx' });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, path);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* best effort */ }
    throw new MetaError('IO', `cannot write ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
}

/** True for `-` (standard input). */
export function isStdin(file: string | undefined): boolean {
  return file === '-';
}

import type * as nodeFs from 'node:fs';

/**
 * The synchronous subset of node's `fs` that the object store uses. Node's own `fs` module and a
 * memfs volume (`createFsFromVolume(new Volume())`) both satisfy it, so the same store code runs on
 * disk and in memory. Sync calls on purpose: an append is a handful of small files, and the
 * promise machinery costs more than the I/O (see DESIGN.md §6).
 */
export interface SyncFs {
  readFileSync(path: string): Buffer | Uint8Array;
  readFileSync(path: string, encoding: 'utf8'): string;
  writeFileSync(path: string, data: string | Uint8Array, options?: { flag?: string; mode?: number }): void;
  existsSync(path: string): boolean;
  mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined | void;
  readdirSync(path: string): string[];
  statSync(path: string): { isDirectory(): boolean; isFile(): boolean; mtimeMs: number; size: number };
  lstatSync?(path: string): { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean };
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  rmSync?(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  openSync(path: string, flags: string | number, mode?: number): number;
  closeSync(fd: number): void;
  writeSync(fd: number, data: Uint8Array | string): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  fstatSync?(fd: number): { size: number };
  /** Present on node's fs and memfs; pack files are made read-only, as git leaves them. */
  chmodSync?(path: string, mode: number): void;
  /** Present on node's fs and memfs; isomorphic-git and the remote code need it. */
  promises?: typeof nodeFs.promises;
}

/** `ENOENT`-style check that works for node and memfs errors alike. */
export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * Makes the renames and unlinks already done in `dir` durable (fsync of the directory itself), for
 * a caller about to delete the only other copy of what it just renamed in. A file system that
 * cannot open or sync a directory (memfs, some network mounts) is left as it is.
 *
 * @example
 * fs.renameSync(tmp, `${packDir}/pack-${id}.pack`); fsyncDir(fs, packDir); fs.unlinkSync(oldPack);
 */
export function fsyncDir(fs: SyncFs, dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR where directories cannot be synced: nothing more can be done from here.
  } finally {
    fs.closeSync(fd);
  }
}

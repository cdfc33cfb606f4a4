/**
 * The synchronous subset of node's `fs` that the store and the remote code use. Node's own `fs`
 * module and a memfs volume (`createFsFromVolume(new Volume())`) both satisfy it, so the same code
 * runs on disk and in memory: every file the store, a fetch or a clone reads or writes goes
 * through the one instance a repository was opened with. Sync calls on purpose: an append is a
 * handful of small files, and the promise machinery costs more than the I/O.
 */
export interface SyncFs {
  readFileSync(path: string): Buffer | Uint8Array;
  readFileSync(path: string, encoding: 'utf8'): string;
  writeFileSync(path: string, data: string | Uint8Array, options?: { flag?: string; mode?: number }): void;
  existsSync(path: string): boolean;
  mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined | void;
  readdirSync(path: string): string[];
  statSync(path: string): { isDirectory(): boolean; isFile(): boolean; mtimeMs: number; size: number; mode?: number };
  lstatSync?(path: string): { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean };
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  rmSync?(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  openSync(path: string, flags: string | number, mode?: number): number;
  closeSync(fd: number): void;
  writeSync(fd: number, data: Uint8Array | string): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  fstatSync?(fd: number): { size: number };
  /** Present on node's fs and memfs; pack files are made read-only, as git leaves them. */
  chmodSync?(path: string, mode: number): void;
  /** Open flags (node's and memfs's `fs.constants`): refs are opened without following links or blocking. */
  readonly constants?: { O_RDONLY: number; O_NOFOLLOW?: number; O_NONBLOCK?: number };
  /**
   * True for the process's own file system (the disk adapter sets it): other processes, git and
   * file watchers see these files. A memfs volume leaves it unset.
   */
  readonly disk?: boolean;
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

/**
 * Writes all of `data` through `fd` (a write may take fewer bytes than asked).
 *
 * @example
 * const fd = fs.openSync(path, 'wx'); try { writeAll(fs, fd, bytes); } finally { fs.closeSync(fd); }
 */
export function writeAll(fs: SyncFs, fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
}

/** Removes a file that may already be gone. */
export function unlinkIfPresent(fs: SyncFs, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
}

/**
 * Up to `len` bytes of the file at position `pos` (fewer at its end), read into `into` when given
 * (it must hold `len` bytes) or a new buffer.
 *
 * @example
 * const head = readAt(fs, fd, 0, 12); // a pack's header
 */
export function readAt(fs: SyncFs, fd: number, pos: number, len: number, into?: Buffer): Buffer {
  const buf = into ?? Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, pos + got);
    if (n <= 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

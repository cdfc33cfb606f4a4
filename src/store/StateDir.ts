import { MetaError } from '../errors/MetaError.js';
import { isErrno, unlinkIfPresent, writeAll, type SyncFs } from './fs.js';
import { writeFileAtomic } from './writeFileAtomic.js';

/**
 * A directory of files derived from a repository and kept beside it, never part of its content:
 * caches (the log index, the digest index), webhook cursors and delivery logs. Each file is
 * replaced atomically, so a reader sees the old content or the new one; what a crash loses is
 * derived again or, for a cursor written `durable`, not lost. Names are single path segments.
 *
 * @example
 * const cache = repository.stateDir('meta-cache');
 * cache.write('digests-v1.json', JSON.stringify(index));
 * const text = cache.readText('digests-v1.json');
 */
export interface StateDir {
  /** Where the directory is, to name a file in a message ("fix or delete …"). */
  readonly path: string;
  /** The file's bytes, or undefined when it does not exist. */
  read(name: string): Buffer | undefined;
  /** The file as UTF-8 text, or undefined when it does not exist. */
  readText(name: string): string | undefined;
  /** Replaces the file atomically; `durable` fsyncs it (and the directory) before returning. */
  write(name: string, data: string | Uint8Array, opts?: { durable?: boolean }): void;
  /** Appends to the file (creating it and the directory): one line of a log. */
  append(name: string, text: string): void;
  /** Removes the file if it is there. */
  remove(name: string): void;
  /** The names in the directory (files and subdirectories); empty when it does not exist. */
  list(): string[];
  /** A subdirectory (created on first write). */
  dir(name: string): StateDir;
  /** Whether `name` is a subdirectory. */
  isDir(name: string): boolean;
}

const NAME = /^[A-Za-z0-9._-]+$/;

function checkName(name: string): string {
  if (!NAME.test(name) || name === '.' || name === '..') {
    throw new MetaError('INVALID_NAME', `'${name.slice(0, 100)}' is not a valid state file name (letters, digits, '.', '_', '-')`, { name: name.slice(0, 100) });
  }
  return name;
}

/**
 * A {@link StateDir} at `path` on a file system: the repository's own (`<gitdir>/meta-cache`), or
 * a directory the user named (`--webhook-state-dir`) on the disk.
 *
 * @example
 * const dir = new FsStateDir(fs, '/var/lib/meta-webhooks');
 */
export class FsStateDir implements StateDir {
  constructor(private readonly fs: SyncFs, readonly path: string) {}

  private at(name: string): string {
    return `${this.path}/${checkName(name)}`;
  }

  read(name: string): Buffer | undefined {
    try {
      const raw = this.fs.readFileSync(this.at(name));
      return Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
      throw e;
    }
  }

  readText(name: string): string | undefined {
    return this.read(name)?.toString('utf8');
  }

  write(name: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): void {
    writeFileAtomic(this.fs, this.at(name), data, { durable: opts.durable });
  }

  append(name: string, text: string): void {
    const path = this.at(name);
    this.fs.mkdirSync(this.path, { recursive: true });
    const fd = this.fs.openSync(path, 'a', 0o644);
    try {
      writeAll(this.fs, fd, Buffer.from(text, 'utf8'));
    } finally {
      this.fs.closeSync(fd);
    }
  }

  remove(name: string): void {
    unlinkIfPresent(this.fs, this.at(name));
  }

  list(): string[] {
    try {
      return this.fs.readdirSync(this.path).map(String);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
      throw e;
    }
  }

  dir(name: string): StateDir {
    return new FsStateDir(this.fs, this.at(name));
  }

  isDir(name: string): boolean {
    try {
      return this.fs.statSync(this.at(name)).isDirectory();
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
      throw e;
    }
  }
}

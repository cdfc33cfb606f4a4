import { MetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from './fs.js';

/**
 * Git's ref-name rules (`git check-ref-format`), byte for byte as git checks them: no component
 * that is empty, starts with '.' or ends with '.lock'; no '..', '@{', control characters, space,
 * '~', '^', ':', '?', '*', '[' or '\'; not '@' alone; no leading, trailing or doubled '/'; no
 * trailing '.'. Without `allowOneLevel` the name needs at least two components (`refs/…`), as
 * plain `git check-ref-format` does.
 *
 * A ref name that passes cannot climb out of `refs/` when joined to a directory: that is what
 * lets a ref given on the command line or in a URL be looked up as a file at all.
 *
 * @example
 * isValidRefName('refs/heads/main'); // true
 * isValidRefName('main', { allowOneLevel: true }); // true
 * isValidRefName('refs/../../etc/passwd'); // false
 */
export function isValidRefName(name: string, opts: { allowOneLevel?: boolean } = {}): boolean {
  if (name === '@') return false;
  // A lone surrogate has no byte spelling, so it cannot name a file git would have written.
  if (!isWellFormed(name)) return false;
  let components = 0;
  let start = 0;
  for (;;) {
    let end = start;
    let last = '';
    for (; end < name.length && name[end] !== '/'; end++) {
      const ch = name[end]!;
      const code = ch.charCodeAt(0);
      if (code < 0x20 || code === 0x7f || ' ~^:?*[\\'.includes(ch)) return false;
      if (ch === '.' && last === '.') return false;
      if (ch === '{' && last === '@') return false;
      last = ch;
    }
    const component = name.slice(start, end);
    if (component === '' || component.startsWith('.') || component.endsWith('.lock')) return false;
    components++;
    if (end === name.length) break;
    start = end + 1;
  }
  if (name.endsWith('.')) return false;
  return components >= 2 || opts.allowOneLevel === true;
}

function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** A full ref boot-meta may read or write: `refs/<…>` under git's rules. */
export function isFullRefName(name: string): boolean {
  return name.startsWith('refs/') && isValidRefName(name);
}

/** Refs are one line (an id, or `ref: <name>`); git's own are under 100 bytes. */
const MAX_REF_BYTES = 4096;
/** A packed-refs file of a repository with millions of refs stays below this. */
const MAX_PACKED_REFS_BYTES = 256 * 1024 * 1024;
/** git's own limit on chains of symbolic refs. */
const MAX_SYMREF_DEPTH = 5;
const OID = /^[0-9a-f]{40}$/;

/** Read-only, without following a symbolic link or blocking on a fifo, where the fs can say so. */
function openFlags(fs: SyncFs): number | string {
  const c = fs.constants;
  return c ? c.O_RDONLY | (c.O_NOFOLLOW ?? 0) | (c.O_NONBLOCK ?? 0) : 'r';
}

interface StatLike { isFile(): boolean; isDirectory(): boolean; isSymbolicLink?(): boolean }

function lstat(fs: SyncFs, path: string): StatLike | undefined {
  try {
    return fs.lstatSync ? fs.lstatSync(path) : fs.statSync(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR') || isErrno(e, 'ENAMETOOLONG')) return undefined;
    throw e;
  }
}

function notRegular(what: string): MetaError {
  return new MetaError('INTEGRITY', `${what} in this repository is a symbolic link, fifo, device or directory, not a regular file; boot-meta reads refs only from regular files inside the repository: remove it (git writes refs as regular files)`, { ref: what });
}

/**
 * Reads a file that must be a regular file (not a symbolic link, fifo or device: opening a fifo
 * would block, a device could be endless) of at most `max` bytes. undefined when it does not exist.
 * The type is checked before opening and again on the open descriptor, which is opened without
 * following a symbolic link and without blocking, so a file swapped in between changes nothing.
 */
export function readRegularFile(fs: SyncFs, path: string, what: string, max: number): Buffer | undefined {
  const st = lstat(fs, path);
  if (!st) return undefined;
  if (!st.isFile() || st.isSymbolicLink?.() === true) throw notRegular(what);
  let fd: number;
  try {
    fd = fs.openSync(path, openFlags(fs));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    if (isErrno(e, 'ELOOP') || isErrno(e, 'ENXIO') || isErrno(e, 'EISDIR')) throw notRegular(what);
    throw e;
  }
  try {
    const fst = (fs as { fstatSync?: (fd: number) => Partial<StatLike> & { size: number } }).fstatSync?.(fd);
    if (fst && typeof fst.isFile === 'function' && !fst.isFile()) throw notRegular(what);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(64 * 1024, max + 1 - total));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > max) throw new MetaError('INTEGRITY', `${what} in this repository is larger than ${max} bytes, so it is not one git wrote; remove or repair it`, { ref: what });
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

type Loose = { oid: string } | { symref: string } | undefined;

function parseRefContent(text: string, what: string): { oid: string } | { symref: string } {
  const v = text.replace(/[\n\r\t ]+$/, '');
  if (OID.test(v)) return { oid: v };
  const m = /^ref:[\t ]*(.*)$/.exec(v);
  if (m && isFullRefName(m[1]!)) return { symref: m[1]! };
  throw new MetaError('INTEGRITY', `${what} holds neither a commit id nor a symbolic ref to refs/…; repair it with 'git update-ref'`, { ref: what });
}

/**
 * The loose ref `name` (`HEAD` or a valid `refs/…` name): every directory on the way must be a
 * real directory (a symbolic link there could lead out of the repository), the ref a regular
 * file. A directory, or a file where a directory would be, means there is no loose ref.
 */
function readLoose(fs: SyncFs, gitdir: string, name: string): Loose {
  const parts = name.split('/');
  let path = gitdir;
  for (let i = 0; i < parts.length - 1; i++) {
    path += `/${parts[i]}`;
    const st = lstat(fs, path);
    if (!st) return undefined;
    if (st.isSymbolicLink?.() === true) throw notRegular(`ref ${name}`);
    if (!st.isDirectory()) return undefined;
  }
  path += `/${parts[parts.length - 1]}`;
  const st = lstat(fs, path);
  if (!st || st.isDirectory()) return undefined;
  const data = readRegularFile(fs, path, `ref ${name}`, MAX_REF_BYTES);
  if (!data) return undefined;
  return parseRefContent(data.toString('latin1'), `ref ${name}`);
}

/**
 * Refuses a ref whose directories on the way (`refs`, `refs/heads`, …) include a symbolic link:
 * a writer creating the ref there would write outside the repository.
 */
export function assertRefDirsInside(fs: SyncFs, gitdir: string, name: string): void {
  const parts = name.split('/');
  let path = gitdir;
  for (let i = 0; i < parts.length - 1; i++) {
    path += `/${parts[i]}`;
    const st = lstat(fs, path);
    if (!st) return;
    if (st.isSymbolicLink?.() === true) throw notRegular(`ref ${name}`);
  }
}

function readPacked(fs: SyncFs, gitdir: string, name: string): string | undefined {
  const data = readRegularFile(fs, `${gitdir}/packed-refs`, 'packed-refs', MAX_PACKED_REFS_BYTES);
  if (!data) return undefined;
  const want = Buffer.from(` ${name}`, 'utf8');
  // Lines are `<id> <name>`; '#' (header) and '^' (peeled tag) lines never match `<id> <name>`.
  let pos = 0;
  while (pos < data.length) {
    let eol = data.indexOf(0x0a, pos);
    if (eol < 0) eol = data.length;
    let end = eol;
    if (end > pos && data[end - 1] === 0x0d) end--;
    if (end - pos === 40 + want.length && data.subarray(pos + 40, end).equals(want)) {
      const oid = data.toString('latin1', pos, pos + 40);
      if (!OID.test(oid)) throw new MetaError('INTEGRITY', `packed-refs holds no valid commit id for ${name}; repair it with 'git pack-refs'`, { ref: name });
      return oid;
    }
    pos = eol + 1;
  }
  return undefined;
}

/**
 * Reads a ref's value: the loose file, else `packed-refs`; undefined when the ref does not exist.
 * `name` is `HEAD` or a full `refs/…` name valid under git's rules (anything else is refused, so
 * no caller can make this open a file outside the repository's refs). Symbolic refs are followed
 * (at most 5 deep, like git). Nothing but regular files inside the repository is ever opened.
 */
export function readRef(fs: SyncFs, gitdir: string, name: string): string | undefined {
  let current = name;
  for (let depth = 0; ; depth++) {
    if (current !== 'HEAD' && !isFullRefName(current)) {
      throw new MetaError('INVALID_ARGUMENT', `'${clip(current)}' is not a valid ref name (see 'git help check-ref-format')`, { ref: clip(current) });
    }
    const loose = readLoose(fs, gitdir, current);
    if (loose && 'oid' in loose) return loose.oid;
    if (loose && 'symref' in loose) {
      if (depth >= MAX_SYMREF_DEPTH) throw new MetaError('INTEGRITY', `ref ${clip(name)} is a chain of more than ${MAX_SYMREF_DEPTH} symbolic refs; repair it with 'git symbolic-ref'`, { ref: clip(name) });
      current = loose.symref;
      continue;
    }
    return current === 'HEAD' ? undefined : readPacked(fs, gitdir, current);
  }
}

/**
 * The branch HEAD points at (`refs/heads/<name>`). A meta repository's HEAD is always a symbolic
 * ref to a branch (writes go there); a detached or hostile HEAD (`ref: ../../x`) is refused.
 */
export function headTarget(fs: SyncFs, gitdir: string): string {
  const data = readRegularFile(fs, `${gitdir}/HEAD`, 'HEAD', MAX_REF_BYTES);
  if (!data) throw new MetaError('INTEGRITY', 'this repository has no HEAD; it is not a repository boot-meta made', {});
  const v = data.toString('latin1').replace(/[\n\r\t ]+$/, '');
  const m = /^ref:[\t ]*(.*)$/.exec(v);
  if (!m || !m[1]!.startsWith('refs/heads/') || !isValidRefName(m[1]!)) {
    throw new MetaError('INTEGRITY', "HEAD is not a symbolic ref to a valid branch (refs/heads/<name>); repair it with 'git symbolic-ref HEAD refs/heads/main'", {});
  }
  return m[1]!;
}

/** A user-given string cut short for a message. */
export function clip(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

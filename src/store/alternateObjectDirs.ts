import { posix } from 'node:path';
import { isErrno, type SyncFs } from './fs.js';

/** Nested alternates are followed this deep, git's limit (`link_alt_odb_entries`). */
const MAX_ALTERNATE_DEPTH = 5;

/**
 * The alternate object directories of the object directory `objectsDir`, as git reads them from
 * `objects/info/alternates`: one path per line, relative to the objects directory holding the
 * file, `#` lines ignored, followed depth first (each listed directory, then the alternates it
 * lists itself) up to git's depth of five. A directory already seen (`objectsDir` included) is
 * skipped, so a cycle ends; a missing one is reported through `warn` and skipped, as git does.
 *
 * @example
 * alternateObjectDirs(fs, `${gitdir}/objects`, console.warn); // ['/srv/shared.git/objects']
 */
export function alternateObjectDirs(fs: SyncFs, objectsDir: string, warn: (message: string) => void): string[] {
  const out: string[] = [];
  const seen = new Set([posix.normalize(objectsDir)]);
  const visit = (objdir: string, depth: number): void => {
    let text: string;
    try {
      text = fs.readFileSync(`${objdir}/info/alternates`, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
      throw e;
    }
    if (depth > MAX_ALTERNATE_DEPTH) {
      warn(`alternate object directories are nested more than ${MAX_ALTERNATE_DEPTH} deep; the deeper ones are ignored, as git ignores them`);
      return;
    }
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const path = line.startsWith('"') ? unquoteC(line) : line;
      if (!path) continue;
      // Appended, not resolved lexically: the kernel walks `..` the way git's realpath'd base does.
      const dir = (path.startsWith('/') ? path : `${objdir}/${path}`).replace(/(.)\/+$/, '$1');
      const key = posix.normalize(dir);
      if (seen.has(key)) continue;
      seen.add(key);
      let isDir = false;
      try {
        isDir = fs.statSync(dir).isDirectory();
      } catch (e) {
        if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) throw e;
      }
      if (!isDir) {
        warn(`an object directory listed in objects/info/alternates does not exist; fix or remove that line (objects stored there cannot be read)`);
        continue;
      }
      out.push(dir);
      visit(dir, depth + 1);
    }
  };
  visit(objectsDir, 0);
  return out;
}

/** git's `unquote_c_style` for a quoted alternates line; undefined when it is not well formed. */
function unquoteC(line: string): string | undefined {
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };
  const bytes: number[] = [];
  for (let i = 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') return i === line.length - 1 ? Buffer.from(bytes).toString('utf8') : undefined;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const e = line[++i];
    if (e === undefined) return undefined;
    if (simple[e] !== undefined) bytes.push(simple[e]!.charCodeAt(0));
    else if (/^[0-3][0-7][0-7]$/.test(line.slice(i, i + 3))) {
      bytes.push(Number.parseInt(line.slice(i, i + 3), 8));
      i += 2;
    } else return undefined;
  }
  return undefined;
}

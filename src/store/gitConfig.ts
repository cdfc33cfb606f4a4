import { MetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from './fs.js';

/**
 * A small reader of a repository's own `config` file, in git's syntax (see git-config(1),
 * "CONFIGURATION FILE"): `[section]` and `[section "subsection"]` headers, `name = value` lines,
 * a bare `name` meaning true, `#`/`;` comments, double quotes, `\` escapes and continuations.
 * Includes are not followed: git reads the repository format (`core.repositoryformatversion`,
 * `extensions.*`) from this one file too.
 */
export interface GitConfig {
  /**
   * The last value of `key` (`section.name` or `section.subsection.name`; section and name are
   * case-insensitive, the subsection is not), `null` for a bare `name` (true), or undefined.
   */
  get(key: string): string | null | undefined;
  /** `get` read as git reads a boolean; undefined when unset, `'invalid'` when git would refuse it. */
  getBool(key: string): boolean | 'invalid' | undefined;
}

const NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

function normalizeKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first < 0) return key.toLowerCase();
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}.${key.slice(last + 1).toLowerCase()}`;
}

/** git's `git_parse_maybe_bool`: true/yes/on, false/no/off, '' (false), or an integer. */
export function parseGitBool(value: string | null): boolean | 'invalid' {
  if (value === null) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '') return false;
  if (/^[+-]?[0-9]+[kmg]?$/.test(v)) return Number.parseInt(v, 10) !== 0;
  return 'invalid';
}

/**
 * Parses git config text. Throws `Error` with the line number on what git itself would reject, so
 * a caller deciding something safety-relevant can refuse to guess.
 *
 * @example
 * parseGitConfig('[extensions]\n\tpreciousObjects = true\n').getBool('extensions.preciousobjects'); // true
 */
export function parseGitConfig(text: string): GitConfig {
  const values = new Map<string, string | null>();
  let section: string | undefined;
  let i = 0;
  let line = 1;
  const n = text.length;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why}`);
  };
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  while (i < n) {
    skipSpace();
    if (i >= n) break;
    const c = text[i]!;
    if (c === '\n') {
      i++;
      line++;
      continue;
    }
    if (c === '#' || c === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9.-]/.test(text[j]!)) j++;
      const name = text.slice(i + 1, j);
      if (!name) fail('bad section header');
      if (text[j] === ']') {
        // The deprecated `[section.sub]` form: the subsection is lowercased too.
        section = name.toLowerCase();
        i = j + 1;
        continue;
      }
      if (name.includes('.')) fail('bad section header');
      const gap = j;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (j === gap || text[j] !== '"') fail('bad section header');
      j++;
      let sub = '';
      for (;;) {
        if (j >= n || text[j] === '\n') fail('unterminated subsection');
        const ch = text[j]!;
        if (ch === '"') break;
        if (ch === '\\') {
          j++;
          if (j >= n || text[j] === '\n') fail('unterminated subsection');
        }
        sub += text[j]!;
        j++;
      }
      if (text[j + 1] !== ']') fail('bad section header');
      section = `${name.toLowerCase()}.${sub}`;
      i = j + 2;
      continue;
    }
    // name [= value]
    const start = i;
    while (i < n && /[A-Za-z0-9-]/.test(text[i]!)) i++;
    const name = text.slice(start, i);
    if (!NAME.test(name) || section === undefined) fail('bad variable line');
    skipSpace();
    let value: string | null = null;
    if (text[i] === '=') {
      i++;
      skipSpace();
      let v = '';
      let quoted = false;
      let pendingSpace = '';
      for (;;) {
        if (i >= n) break;
        const ch = text[i]!;
        if (ch === '\n') {
          if (quoted) fail('unterminated quote');
          break;
        }
        if (!quoted && (ch === '#' || ch === ';')) {
          while (i < n && text[i] !== '\n') i++;
          break;
        }
        i++;
        if (!quoted && (ch === ' ' || ch === '\t' || ch === '\r')) {
          pendingSpace += ch === '\r' ? '' : ch;
          continue;
        }
        v += pendingSpace;
        pendingSpace = '';
        if (ch === '"') {
          quoted = !quoted;
          continue;
        }
        if (ch === '\\') {
          const e = text[i];
          i++;
          if (e === '\n') {
            line++;
            continue;
          }
          if (e === 'n') v += '\n';
          else if (e === 't') v += '\t';
          else if (e === 'b') v = v.slice(0, -1);
          else if (e === '\\' || e === '"') v += e;
          else fail('bad escape');
          continue;
        }
        v += ch;
      }
      value = v;
    } else if (i < n && text[i] !== '\n') {
      // git allows nothing after a bare name, not even a comment.
      fail('bad variable line');
    }
    values.set(`${section}.${name.toLowerCase()}`, value);
  }
  return {
    get: (key) => values.get(normalizeKey(key)),
    getBool(key) {
      const v = values.get(normalizeKey(key));
      return v === undefined ? undefined : parseGitBool(v);
    },
  };
}

/**
 * Reads `<gitdir>/config` (an absent file is an empty config). Throws
 * `MetaError('NOT_A_META_REPO')` when git would refuse the file.
 *
 * @example
 * const precious = readCoreConfig(fs, gitdir).getBool('extensions.preciousObjects') === true;
 */
export function readCoreConfig(fs: SyncFs, gitdir: string): GitConfig {
  let text: string;
  try {
    text = fs.readFileSync(`${gitdir}/config`, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return parseGitConfig('');
    throw e;
  }
  try {
    return parseGitConfig(text);
  } catch (e) {
    throw new MetaError('NOT_A_META_REPO', `the repository's config file is not valid git config (${(e as Error).message}); fix it with 'git config --edit'`, { gitdir });
  }
}

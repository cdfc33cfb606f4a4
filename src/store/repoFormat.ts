import { MetaError } from '../errors/MetaError.js';

export interface ConfigEntry {
  /** `section.key` or `section.subsection.key`; section and key lower-cased, as git compares them. */
  key: string;
  /** null for a key with no `=` (git reads it as boolean true). */
  value: string | null;
  line: number;
}

/**
 * Parses git's config syntax (`git help config`, "Syntax") strictly, as git does: sections
 * `[name]`, `[name "subsection"]` (case-sensitive, `\"` and `\\` escapes) and the old
 * `[name.subsection]`; case-insensitive names; `#`/`;` comments; values with `"…"` quoting, the
 * escapes `\n \t \b \\ \"`, and backslash-newline continuation. Anything git would reject
 * ("bad config line N") throws with the line number. `include` directives are not followed: git
 * does not follow them either when it reads a repository's format.
 */
export function parseGitConfig(text: string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  const s = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  let i = 0;
  let line = 1;
  let section: string | undefined;
  const bad = (): never => {
    throw new ConfigSyntaxError(line);
  };
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\r';
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\n') { line++; i++; continue; }
    if (isSpace(c)) { i++; continue; }
    if (c === '#' || c === ';') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      i++;
      let name = '';
      while (i < s.length && /[A-Za-z0-9.-]/.test(s[i]!)) name += s[i++]!;
      if (name === '') bad();
      if (s[i] === ']') {
        i++;
        section = name.toLowerCase();
        continue;
      }
      if (name.includes('.') || !isSpace(s[i])) bad();
      while (isSpace(s[i])) i++;
      if (s[i] !== '"') bad();
      i++;
      let sub = '';
      for (;;) {
        const d = s[i];
        if (d === undefined || d === '\n') bad();
        i++;
        if (d === '"') break;
        if (d === '\\') {
          const e = s[i];
          if (e === undefined || e === '\n') bad();
          sub += e;
          i++;
        } else sub += d;
      }
      if (s[i] !== ']') bad();
      i++;
      section = `${name.toLowerCase()}.${sub}`;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) bad();
    let key = '';
    while (i < s.length && /[A-Za-z0-9-]/.test(s[i]!)) key += s[i++]!;
    while (s[i] === ' ' || s[i] === '\t') i++;
    const entryLine = line;
    if (i >= s.length || s[i] === '\n') {
      // `key` alone: a boolean true (git allows no comment after it).
      out.push({ key: fullKey(section, key), value: null, line: entryLine });
      continue;
    }
    if (s[i] !== '=') bad();
    i++;
    let value = '';
    let spaces = 0;
    let quoted = false;
    let comment = false;
    for (;;) {
      const d = s[i];
      if (d === undefined || d === '\n') {
        if (quoted) bad();
        break;
      }
      i++;
      if (comment) continue;
      if (isSpace(d) && !quoted) {
        if (value.length > 0) spaces++;
        continue;
      }
      if (!quoted && (d === ';' || d === '#')) {
        comment = true;
        continue;
      }
      value += ' '.repeat(spaces);
      spaces = 0;
      if (d === '\\') {
        const e = s[i];
        i++;
        // git reads the end of the file as a newline: a trailing backslash continues onto nothing.
        if (e === undefined) break;
        if (e === '\n') { line++; continue; }
        if (e === 'n') value += '\n';
        else if (e === 't') value += '\t';
        else if (e === 'b') value += '\b';
        else if (e === '\\' || e === '"') value += e;
        else bad();
        continue;
      }
      if (d === '"') {
        quoted = !quoted;
        continue;
      }
      value += d;
    }
    out.push({ key: fullKey(section, key), value, line: entryLine });
  }
  return out;
}

/** git accepts a key before any section header; it then has no section part. */
function fullKey(section: string | undefined, key: string): string {
  return section === undefined ? key.toLowerCase() : `${section}.${key.toLowerCase()}`;
}

export class ConfigSyntaxError extends Error {
  constructor(readonly line: number) {
    super(`bad config line ${line}`);
  }
}

/** git's boolean values (`git help config`, "Values"); undefined when it is none of them. */
export function configBool(value: string | null): boolean | undefined {
  if (value === null) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '') return false;
  if (/^[+-]?\d+$/.test(v)) return Number(v) !== 0;
  return undefined;
}

/**
 * Extensions git honours even in a version-0 repository (they predate version 1). Every other
 * `extensions.*` key is ignored by git under version 0, except the version-1-only ones below,
 * which make git refuse the repository.
 */
const V0_EXTENSIONS = new Set(['noop', 'preciousobjects', 'partialclone', 'worktreeconfig']);
const V1_ONLY_EXTENSIONS = new Set(['noop-v1', 'objectformat', 'compatobjectformat', 'refstorage']);

/**
 * What boot-meta can do safely under each extension: the no-ops; precious objects (the only
 * objects boot-meta ever deletes are packs it wrote and merged itself, and its pack maintenance
 * checks it); per-worktree config (a bare repository has no worktree); SHA-1 objects
 * and files refs, which is what boot-meta writes. Not partial clones (missing objects are
 * fetched on demand there), SHA-256 or a second object format, reftable, or anything unknown.
 */
function extensionSupported(ext: string, value: string | null): boolean {
  switch (ext) {
    case 'noop':
    case 'noop-v1':
    case 'preciousobjects':
    case 'worktreeconfig':
      return true;
    case 'objectformat':
      return value === 'sha1';
    case 'refstorage':
      return value === 'files';
    default:
      return false;
  }
}

const KNOWN_VALUES = new Set(['sha1', 'sha256', 'files', 'reftable']);

export interface RepositoryFormat {
  version: number;
  bare: boolean | undefined;
}

/**
 * Reads `core.repositoryformatversion` and `extensions.*` as git does and refuses, with
 * NOT_A_META_REPO, any repository boot-meta would misread or corrupt: a version above 1, a
 * version-1-only extension in a version-0 repository (git refuses those too), and under either
 * version an extension in effect that boot-meta does not implement (SHA-256 objects, reftable,
 * partial clone, an unknown one under version 1). `where` names the repository in messages.
 */
export function checkRepositoryFormat(configText: string | undefined, where: string): RepositoryFormat {
  let entries: ConfigEntry[];
  try {
    entries = configText === undefined ? [] : parseGitConfig(configText);
  } catch (e) {
    if (!(e instanceof ConfigSyntaxError)) throw e;
    throw new MetaError('NOT_A_META_REPO', `the git config of the repository in ${where} is not valid (bad config line ${e.line}); git refuses it too: repair it with a text editor`, { line: e.line });
  }
  let version = 0;
  let bare: boolean | undefined;
  const extensions: { name: string; value: string | null }[] = [];
  for (const e of entries) {
    if (e.key === 'core.repositoryformatversion') {
      if (e.value === null || !/^[+-]?\d+$/.test(e.value.trim())) {
        throw new MetaError('NOT_A_META_REPO', `core.repositoryformatversion of the repository in ${where} is not a number (config line ${e.line}); git refuses it too`, { line: e.line });
      }
      version = Number(e.value.trim());
    } else if (e.key === 'core.bare') bare = configBool(e.value);
    else if (e.key.startsWith('extensions.')) extensions.push({ name: e.key.slice('extensions.'.length), value: e.value });
  }
  if (version !== 0 && version !== 1) {
    throw new MetaError('NOT_A_META_REPO', `the repository in ${where} has core.repositoryformatversion = ${version}; boot-meta (like git) reads only versions 0 and 1, so it leaves this repository alone`, { repositoryformatversion: version });
  }
  for (const x of extensions) {
    const inEffect = version === 1 || V0_EXTENSIONS.has(x.name);
    if (version === 0 && V1_ONLY_EXTENSIONS.has(x.name)) {
      throw new MetaError('NOT_A_META_REPO', `the repository in ${where} is format version 0 but sets the version-1-only extensions.${x.name}; git refuses it too, and boot-meta writes nothing to it`, { extension: x.name });
    }
    if (inEffect && !extensionSupported(x.name, x.value)) {
      // Only names and values boot-meta knows are repeated: the config file's text is not echoed.
      const value = x.value !== null && KNOWN_VALUES.has(x.value) ? x.value : undefined;
      const name = /^[a-z0-9-]{1,40}$/.test(x.name) ? x.name : undefined;
      const what = x.name === 'objectformat' ? ` (${value === 'sha256' ? 'SHA-256' : 'non-SHA-1'} object ids; boot-meta reads and writes SHA-1 repositories only)`
        : x.name === 'compatobjectformat' ? ' (a second object format; boot-meta reads and writes SHA-1 repositories only)'
        : x.name === 'refstorage' ? ` (${value ?? 'non-files'} ref storage; boot-meta reads and writes loose and packed refs only)`
        : x.name === 'partialclone' ? ' (a partial clone: objects may be missing, to be fetched on demand)'
        : ' (unknown to boot-meta)';
      throw new MetaError('NOT_A_META_REPO', `the repository in ${where} uses ${name ? `extensions.${name}` : 'an extension'}${what}, which boot-meta does not implement, so it writes nothing to it; use a repository made by 'meta init' or 'meta clone'`, { extension: name ?? null, value: value ?? null });
    }
  }
  return { version, bare };
}

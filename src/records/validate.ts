import { MetaError } from '../errors/MetaError.js';
import type { Label, Platform, RecordByKind, RecordKind, ReleaseRef } from './types.js';

/**
 * The string and number rules every record obeys before it is encoded. They run in the codec, so
 * every way in (CLI, `POST /v1/records`, the library) is held to them, and an error names the field
 * by its path (`release.notes`, `release.sources[0].url`) and never echoes the value.
 *
 * - Every string is well-formed Unicode: a lone UTF-16 surrogate (possible in JSON as `"\ud800"`)
 *   has no UTF-8 form, protobuf writers emit bytes that strict readers refuse, and the immutable
 *   record could never be read again.
 * - One-line fields (names, hashes, URLs, the actor) hold no control characters; free text (notes,
 *   descriptions, reasons, messages, label values) may hold tabs and line breaks but no other
 *   control characters, which would reach terminals through `meta show` as escape sequences.
 * - URLs never carry credentials (see {@link urlCredentials}).
 * - 64-bit numbers are whole, non-negative and at most 2^53 - 1, the largest a reader decodes exactly.
 */

/** A lone surrogate: in a `u` regex a valid pair is one code point, so only lone halves match. */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0 controls, DEL and C1 controls. */
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, but tab, line feed and carriage return are text. */
const TEXT_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Schemes whose user name is an account name, not a secret (`ssh://git@host/…`). */
const SSH_SCHEMES = new Set(['ssh', 'git+ssh', 'ssh+git']);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

function fieldError(field: string, why: string): MetaError {
  return new MetaError('INVALID_ARGUMENT', `${field} ${why}`, { field });
}

/** Refuses a string that is not well-formed Unicode (a lone UTF-16 surrogate). */
export function checkWellFormed(field: string, value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw fieldError(field, 'is not well-formed Unicode (it holds a lone UTF-16 surrogate, which has no UTF-8 form); send the text as valid UTF-8');
  }
  return value;
}

function controlAt(value: string, re: RegExp): string | undefined {
  const m = re.exec(value);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${m.index}` : undefined;
}

/** A single line: well-formed, no control characters. */
export function checkLine(field: string, value: string): string {
  checkWellFormed(field, value);
  const c = controlAt(value, LINE_CONTROLS);
  if (c) throw fieldError(field, `contains a control character (${c}); it must be one line of printable text`);
  return value;
}

/** Free text: well-formed, tabs and line breaks allowed, no other control characters. */
export function checkText(field: string, value: string): string {
  checkWellFormed(field, value);
  const c = controlAt(value, TEXT_CONTROLS);
  if (c) throw fieldError(field, `contains a control character (${c}); text may hold tabs and line breaks, but no other control characters`);
  return value;
}

/** Where a URL's user information sits, if it has any. */
interface UserInfo {
  /** The scheme in lower case, or undefined for git's scp-like form (`git@host:org/repo`). */
  scheme: string | undefined;
  userinfo: string;
  start: number;
  end: number;
}

function findUserInfo(url: string): UserInfo | undefined {
  const m = SCHEME.exec(url);
  if (m) {
    const start = m[0].length;
    const rest = url.slice(start);
    // The authority ends at the path, query or fragment; WHATWG parsers treat '\' as '/' too.
    const stop = rest.search(/[/?#\\]/);
    const authority = stop < 0 ? rest : rest.slice(0, stop);
    const at = authority.lastIndexOf('@');
    return at < 0 ? undefined : { scheme: m[1]!.toLowerCase(), userinfo: authority.slice(0, at), start, end: start + at };
  }
  // git's scp-like syntax `[user@]host:path`: the user ends at the first '@' before any '/'
  // (a later '@' belongs to the path, as in `git@host:repo.git@<commit>`).
  const slash = url.indexOf('/');
  const at = url.indexOf('@');
  return at < 0 || (slash >= 0 && slash < at) ? undefined : { scheme: undefined, userinfo: url.slice(0, at), start: 0, end: at };
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Whether a URL carries credentials that must never be stored: any password, and any user name
 * except on ssh (`ssh://git@host/…`, `git@host:org/repo`), where the user is an account name and
 * the secret is the key, which never appears in the URL. Returns the URL with its user information
 * masked for messages, or undefined when it is clean.
 *
 * @example
 * urlCredentials('https://ci:hunter2@git.example/acme/app') // 'https://***@git.example/acme/app'
 * urlCredentials('git@github.com:acme/app.git')              // undefined
 */
export function urlCredentials(url: string): string | undefined {
  const u = findUserInfo(url);
  if (!u || u.userinfo === '') return undefined;
  const password = decoded(u.userinfo).includes(':');
  const sshUser = u.scheme === undefined || SSH_SCHEMES.has(u.scheme);
  if (!password && sshUser) return undefined;
  return `${url.slice(0, u.start)}***${url.slice(u.end)}`;
}

/** Refuses a URL with credentials; the message shows it masked, never the user or password. */
export function checkUrl(field: string, url: string): string {
  const masked = urlCredentials(url);
  if (masked !== undefined) {
    throw fieldError(field, `holds credentials in its URL (${masked}): records are immutable and every clone keeps them, so a user name or password is never stored. Give the URL without them (ssh URLs may name the user, as in git@host:org/repo) and let git's credential helper or the storage's own authentication supply them`);
  }
  return checkLine(field, url);
}

/** A 64-bit field: a whole number from 0 to 2^53 - 1. */
export function checkUint64(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw fieldError(field, `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  return value;
}

function labels(prefix: string, list: readonly Label[]): void {
  list.forEach((l, i) => {
    checkLine(`${prefix}[${i}].key`, l.key);
    checkText(`${prefix}[${i}].value`, l.value);
  });
}

function releaseRef(prefix: string, r: ReleaseRef): void {
  checkLine(`${prefix}.githash`, r.githash);
  checkLine(`${prefix}.version`, r.version);
}

function platform(prefix: string, p: Platform): void {
  checkLine(`${prefix}.os`, p.os);
  checkLine(`${prefix}.arch`, p.arch);
  checkLine(`${prefix}.variant`, p.variant);
}

/**
 * Checks every string and 64-bit number of a record against the rules above; throws
 * INVALID_ARGUMENT naming the first field that breaks one.
 *
 * @example
 * checkRecordFields('release', release); // throws "release.notes is not well-formed Unicode …"
 */
export function checkRecordFields<K extends RecordKind>(kind: K, rec: RecordByKind[K]): void {
  const f = (name: string) => `${kind}.${name}`;
  checkLine(f('actor'), rec.header.actor);
  labels(f('labels'), rec.header.labels);
  switch (kind) {
    case 'project': {
      const r = rec as RecordByKind['project'];
      checkLine(f('name'), r.name);
      checkUrl(f('repoUrl'), r.repoUrl);
      checkLine(f('mainPath'), r.mainPath);
      r.owners.forEach((o, i) => checkLine(f(`owners[${i}]`), o));
      checkText(f('description'), r.description);
      return;
    }
    case 'release': {
      const r = rec as RecordByKind['release'];
      checkLine(f('project'), r.project);
      checkLine(f('version'), r.version);
      r.sources.forEach((s, i) => {
        checkUrl(f(`sources[${i}].url`), s.url);
        checkLine(f(`sources[${i}].commit`), s.commit);
        checkLine(f(`sources[${i}].path`), s.path);
        checkLine(f(`sources[${i}].tag`), s.tag);
      });
      r.imports.forEach((m, i) => {
        // A module may be named by its repository URL.
        checkUrl(f(`imports[${i}].module`), m.module);
        checkLine(f(`imports[${i}].version`), m.version);
        checkLine(f(`imports[${i}].githash`), m.githash);
      });
      checkText(f('notes'), r.notes);
      return;
    }
    case 'binary': {
      const r = rec as RecordByKind['binary'];
      checkLine(f('project'), r.project);
      releaseRef(f('release'), r.release);
      platform(f('platform'), r.platform);
      checkLine(f('digest'), r.digest);
      checkUint64(f('size'), r.size);
      checkLine(f('mediaType'), r.mediaType);
      r.locations.forEach((u, i) => checkUrl(f(`locations[${i}]`), u));
      r.signatures.forEach((s, i) => {
        checkLine(f(`signatures[${i}].keyId`), s.keyId);
        checkLine(f(`signatures[${i}].algorithm`), s.algorithm);
        checkText(f(`signatures[${i}].signature`), s.signature);
      });
      checkText(f('provenance'), r.provenance);
      checkLine(f('provenanceType'), r.provenanceType);
      return;
    }
    case 'promotion': {
      const r = rec as RecordByKind['promotion'];
      checkLine(f('project'), r.project);
      checkLine(f('channel'), r.channel);
      checkUint64(f('sequence'), r.sequence);
      releaseRef(f('release'), r.release);
      if (r.previous) releaseRef(f('previous'), r.previous);
      checkText(f('reason'), r.reason);
      checkUint64(f('expectedPreviousSequence'), r.expectedPreviousSequence);
      r.approvals.forEach((a, i) => {
        checkLine(f(`approvals[${i}].actor`), a.actor);
        checkText(f(`approvals[${i}].comment`), a.comment);
      });
      checkLine(f('previousPromotion'), r.previousPromotion);
      return;
    }
    case 'instance': {
      const r = rec as RecordByKind['instance'];
      checkLine(f('project'), r.project);
      checkLine(f('host'), r.host);
      checkLine(f('environment'), r.environment);
      checkLine(f('channel'), r.channel);
      releaseRef(f('release'), r.release);
      checkLine(f('binaryDigest'), r.binaryDigest);
      platform(f('platform'), r.platform);
      checkLine(f('metaCommit'), r.metaCommit);
      checkText(f('message'), r.message);
      return;
    }
    case 'event': {
      const r = rec as RecordByKind['event'];
      checkLine(f('type'), r.type);
      checkLine(f('project'), r.project);
      checkLine(f('subject'), r.subject);
      checkText(f('message'), r.message);
      labels(f('attributes'), r.attributes);
      checkText(f('payload'), r.payload);
      checkLine(f('payloadMediaType'), r.payloadMediaType);
      return;
    }
    case 'yank': {
      const r = rec as RecordByKind['yank'];
      checkLine(f('project'), r.project);
      releaseRef(f('release'), r.release);
      checkText(f('reason'), r.reason);
      return;
    }
    case 'pipeline': {
      const r = rec as RecordByKind['pipeline'];
      checkLine(f('project'), r.project);
      checkUint64(f('sequence'), r.sequence);
      r.stages.forEach((st, i) => {
        const s = (n: string) => f(`stages[${i}].${n}`);
        checkLine(s('channel'), st.channel);
        checkLine(s('after'), st.after);
        st.gates.forEach((g, j) => {
          const gf = (n: string) => s(`gates[${j}].${g.type}.${n}`);
          if (g.type === 'soak') checkUint64(gf('seconds'), g.seconds);
          if (g.type === 'http') checkUrl(gf('url'), g.url);
          if (g.type === 'verification') checkLine(gf('name'), g.name);
          if (g.type === 'command') checkText(gf('run'), g.run);
        });
        if (st.rollout) checkUint64(s('rollout.intervalSeconds'), st.rollout.intervalSeconds);
      });
      checkText(f('validate'), r.validate);
      checkText(f('onPromote'), r.onPromote);
      checkText(f('source'), r.source);
      return;
    }
    case 'approval': {
      const r = rec as RecordByKind['approval'];
      checkLine(f('project'), r.project);
      releaseRef(f('release'), r.release);
      checkLine(f('channel'), r.channel);
      checkText(f('comment'), r.comment);
      return;
    }
    case 'verification': {
      const r = rec as RecordByKind['verification'];
      checkLine(f('project'), r.project);
      releaseRef(f('release'), r.release);
      checkLine(f('channel'), r.channel);
      checkLine(f('name'), r.name);
      checkUrl(f('url'), r.url);
      checkText(f('message'), r.message);
      return;
    }
    case 'gate': {
      const r = rec as RecordByKind['gate'];
      checkLine(f('project'), r.project);
      releaseRef(f('release'), r.release);
      checkLine(f('channel'), r.channel);
      checkUint64(f('pipelineSequence'), r.pipelineSequence);
      checkLine(f('gateType'), r.gateType);
      checkText(f('detail'), r.detail);
      labels(f('evidence'), r.evidence);
      return;
    }
    case 'config': {
      const r = rec as RecordByKind['config'];
      checkLine(f('project'), r.project);
      checkLine(f('environment'), r.environment);
      checkLine(f('channel'), r.channel);
      checkUint64(f('sequence'), r.sequence);
      r.entries.forEach((e, i) => {
        checkLine(f(`entries[${i}].key`), e.key);
        const v = e.value;
        if (v.type === 'text') checkWellFormed(f(`entries[${i}].text`), v.text);
        else if (v.type === 'json') checkWellFormed(f(`entries[${i}].json`), v.json);
        else {
          checkLine(f(`entries[${i}].secret.name`), v.name);
          checkLine(f(`entries[${i}].secret.field`), v.field);
        }
      });
      return;
    }
    case 'flags': {
      const r = rec as RecordByKind['flags'];
      checkLine(f('project'), r.project);
      checkLine(f('channel'), r.channel);
      checkUint64(f('sequence'), r.sequence);
      checkWellFormed(f('document'), r.document);
      return;
    }
    case 'location': {
      const r = rec as RecordByKind['location'];
      checkLine(f('project'), r.project);
      releaseRef(f('release'), r.release);
      platform(f('platform'), r.platform);
      checkLine(f('digest'), r.digest);
      checkUrl(f('url'), r.url);
      checkLine(f('region'), r.region);
      checkUint64(f('size'), r.size);
      checkLine(f('method'), r.method);
      return;
    }
  }
}

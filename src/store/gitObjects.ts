import { createHash, hash } from 'node:crypto';
import { MetaError } from '../errors/MetaError.js';

/** The four git object types. */
export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/** A git object as stored: its type and its payload (without the `type size\0` header). */
export interface RawObject {
  type: ObjectType;
  data: Uint8Array;
}

/** Git file modes as written into trees (fsck --strict rejects zero-padded `040000`). */
export type TreeMode = '100644' | '100755' | '120000' | '40000' | '160000';

export interface TreeEntry {
  mode: TreeMode;
  name: string;
  oid: string;
}

export interface Person {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes east of UTC. */
  tzOffsetMinutes: number;
}

export interface Commit {
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

const te = new TextEncoder();
const td = new TextDecoder();

/** The git object id (sha-1 hex) and the header+payload bytes that get deflated into a loose object. */
export function hashObject(type: ObjectType, data: Uint8Array): { oid: string; raw: Buffer } {
  const raw = Buffer.concat([Buffer.from(`${type} ${data.length}\0`), data]);
  return { oid: createHash('sha1').update(raw).digest('hex'), raw };
}

/** Header and payload are hashed from one reused buffer up to this size; larger ones stream. */
const SCRATCH_MAX = 64 * 1024;
let scratch: Buffer | undefined;

/**
 * The git object id (sha-1 hex) of `data` as an object of `type`, without keeping the bytes. Small
 * objects (every record) go through one-shot `crypto.hash` on a reused buffer: a Hash object per
 * call was most of the cost of checking every object a history walk reads.
 *
 * @example
 * objectId('blob', new Uint8Array()); // 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
 */
export function objectId(type: ObjectType, data: Uint8Array): string {
  return sha1Object(type, data, 'hex');
}

/**
 * The same id as {@link objectId}, as 20 raw bytes: a pack indexer keeps a million of them in one
 * table, where a 40-character string each grew the heap by tens of megabytes.
 *
 * @example
 * objectIdBytes('blob', data).copy(table, k * 20);
 */
export function objectIdBytes(type: ObjectType, data: Uint8Array): Buffer {
  return sha1Object(type, data, 'buffer');
}

function sha1Object(type: ObjectType, data: Uint8Array, out: 'hex'): string;
function sha1Object(type: ObjectType, data: Uint8Array, out: 'buffer'): Buffer;
function sha1Object(type: ObjectType, data: Uint8Array, out: 'hex' | 'buffer'): string | Buffer {
  const header = `${type} ${data.length}\0`;
  if (data.length + 32 > SCRATCH_MAX) {
    const h = createHash('sha1').update(header).update(data);
    return out === 'hex' ? h.digest('hex') : h.digest();
  }
  scratch ??= Buffer.allocUnsafe(SCRATCH_MAX);
  const n = scratch.write(header, 0, 'latin1');
  scratch.set(data, n);
  return out === 'hex' ? hash('sha1', scratch.subarray(0, n + data.length)) : hash('sha1', scratch.subarray(0, n + data.length), 'buffer');
}

/** The blob hash ("githash") of some bytes, as `git hash-object` computes it. */
export function blobHash(data: Uint8Array): string {
  return objectId('blob', data);
}

/** Git orders tree entries by name, comparing a directory as if its name ended in '/'. */
function treeSortKey(e: TreeEntry): string {
  return e.mode === '40000' ? `${e.name}/` : e.name;
}

function compareBytes(a: string, b: string): number {
  // Names are compared as bytes; code-unit comparison equals byte order for the ASCII names we allow.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts and serialises tree entries; duplicate names are a bug upstream (fsck would reject them). */
export function encodeTree(entries: readonly TreeEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareBytes(treeSortKey(a), treeSortKey(b)));
  const parts: Buffer[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    if (i > 0 && sorted[i - 1]!.name === e.name) {
      throw new MetaError('INTERNAL', `tree would contain the name '${e.name}' twice`, { name: e.name });
    }
    parts.push(Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export function parseTree(data: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    const nul = buf.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 21 > buf.length) throw new MetaError('INTEGRITY', 'malformed tree object', {});
    const mode = buf.toString('latin1', i, sp) as TreeMode;
    const name = buf.toString('utf8', sp + 1, nul);
    const oid = buf.toString('hex', nul + 1, nul + 21);
    out.push({ mode: mode === ('040000' as TreeMode) ? '40000' : mode, name, oid });
    i = nul + 21;
  }
  return out;
}

function formatTz(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function formatPerson(p: Person): string {
  return `${p.name} <${p.email}> ${p.timestamp} ${formatTz(p.tzOffsetMinutes)}`;
}

function parsePerson(s: string): Person {
  const m = /^(.*?) ?<([^>]*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(s);
  if (!m) return { name: s, email: '', timestamp: 0, tzOffsetMinutes: 0 };
  const tz = (Number(m[5]) * 60 + Number(m[6])) * (m[4] === '-' ? -1 : 1);
  return { name: m[1]!, email: m[2]!, timestamp: Number(m[3]), tzOffsetMinutes: tz };
}

export function encodeCommit(c: Commit): Uint8Array {
  let s = `tree ${c.tree}\n`;
  for (const p of c.parents) s += `parent ${p}\n`;
  s += `author ${formatPerson(c.author)}\ncommitter ${formatPerson(c.committer)}\n\n${c.message}`;
  if (!c.message.endsWith('\n')) s += '\n';
  return te.encode(s);
}

export function parseCommit(data: Uint8Array): Commit {
  const s = td.decode(data);
  const end = s.indexOf('\n\n');
  const head = end < 0 ? s : s.slice(0, end);
  const message = end < 0 ? '' : s.slice(end + 2);
  let tree = '';
  const parents: string[] = [];
  let author: Person | undefined;
  let committer: Person | undefined;
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const val = line.slice(sp + 1);
    if (key === 'tree') tree = val;
    else if (key === 'parent') parents.push(val);
    else if (key === 'author') author = parsePerson(val);
    else if (key === 'committer') committer = parsePerson(val);
  }
  if (!tree || !committer) throw new MetaError('INTEGRITY', 'malformed commit object', {});
  return { tree, parents, author: author ?? committer, committer, message };
}

/** Turns an actor string into a git identity that `fsck --strict` accepts. */
export function personFromActor(actor: string, when: Date): Person {
  const m = /^\s*([^<>\n]*?)\s*<([^<>\n]*)>\s*$/.exec(actor);
  const clean = (s: string) => s.replace(/[<>\n\r\0]/g, '').trim();
  const name = clean(m ? m[1]! : actor) || 'unknown';
  const email = clean(m ? m[2]! : '') || 'meta@localhost';
  return { name, email, timestamp: Math.floor(when.getTime() / 1000), tzOffsetMinutes: 0 };
}


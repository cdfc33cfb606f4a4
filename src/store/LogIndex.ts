import { createHash, randomBytes } from 'node:crypto';
import type { Store } from './Store.js';
import { parseCommit, type Commit } from './gitObjects.js';
import { diffRawTrees, RawTrees } from './rawTreeDiff.js';
import type { Change } from './treeDiff.js';

/** One commit of the branch's first-parent history, with what it added. */
export interface LogEntry {
  commit: string;
  /** Committer time, seconds since the epoch. */
  time: number;
  author: string;
  subject: string;
  /** Paths of files this commit added. */
  added: string[];
  /** Paths this commit modified, deleted or changed the type of (only settings files, in a healthy repository). */
  changed: string[];
}

type Row = [string, number, string, string, string[], string[]];

/** Entries per chunk file: appending rewrites only the last chunk. */
const CHUNK = 1000;
/** Bytes per row of `commits.bin`: the commit id and its committer time. */
const ROW = 24;
const BUCKETS = 256;

/**
 * An index derived from the log and cached by commit (under `<gitdir>/meta-cache/log-v2/`,
 * outside the repository's content, never the truth): which commit added each path, the commit
 * at a date, short-hash lookup. It is brought up to date incrementally by diffing only the commits
 * the tip gained since the cached tip, so no query ever walks the whole history (isomorphic-git's
 * `log` took 45 s to find the commit that added an old path; DESIGN.md §6).
 *
 * The cache is split so a cold query reads only what it needs, whatever the history's length:
 * `commits.bin` (24 bytes per commit: id and time; `--at <date>` and short hashes), `added-<xx>.json`
 * (path → commit, 256 buckets by hash of the folder: "which commit added this"), and `chunk-<n>.json`
 * (1,000 full entries each, for `meta log` and followers). An append rewrites the last chunk, the
 * touched buckets and `commits.bin`, which is written last. Every file says how far it is complete
 * and readers check ids against `commits.bin`, so a stale or damaged file costs a re-derivation,
 * never a wrong answer.
 */
export class LogIndex {
  private readonly dir: string;
  /** `commits.bin` as loaded or last written: rows 0..count-1 of the cached history. */
  private rows: Buffer = Buffer.alloc(0);
  private count = 0;
  private loaded = false;
  /** The tip the current view ends at, and the view's length (a prefix of the cached rows). */
  private viewTip: string | undefined;
  private viewLen = 0;
  private indexOf?: Map<string, number>;
  private readonly chunks = new Map<number, Row[]>();
  private readonly buckets = new Map<number, Record<string, [number, string]>>();
  private all?: LogEntry[];

  constructor(private readonly store: Store) {
    this.dir = `${store.gitdir}/meta-cache/log-v2`;
  }

  /** The first-parent history from the root to `tip` (default: the branch tip), oldest first. */
  entries(tip: string | undefined = this.store.tip()): LogEntry[] {
    this.refresh(tip);
    if (!this.all || this.all.length < this.viewLen) {
      const out: LogEntry[] = [];
      for (let i = 0; i < this.viewLen; i += CHUNK) out.push(...this.chunk(i / CHUNK).map(toEntry));
      this.all = out;
    }
    return this.all.length === this.viewLen ? this.all : this.all.slice(0, this.viewLen);
  }

  /** The entry that added `path`, or undefined. */
  addedBy(path: string, tip?: string): LogEntry | undefined {
    this.refresh(tip === undefined ? this.store.tip() : tip);
    const hit = this.bucket(bucketOf(path))[path];
    if (!hit || hit[0] >= this.viewLen) return undefined;
    return this.entryAt(hit[0]);
  }

  /**
   * The id of the commit that added `path`, or undefined: like {@link addedBy} without reading the
   * entry itself, so listing a long channel reads one small bucket file per folder.
   */
  addedIn(path: string, tip?: string): string | undefined {
    this.refresh(tip === undefined ? this.store.tip() : tip);
    const hit = this.bucket(bucketOf(path))[path];
    return hit && hit[0] < this.viewLen ? hit[1] : undefined;
  }

  /** Entries newer than `commit` (all when it is undefined or not in the history). */
  since(commit: string | undefined, tip?: string): LogEntry[] {
    this.refresh(tip === undefined ? this.store.tip() : tip);
    const i = commit ? this.find(commit) : -1;
    if (i < 0) return this.entries(this.viewTip);
    const out: LogEntry[] = [];
    for (let k = i + 1; k < this.viewLen; k++) out.push(this.entryAt(k));
    return out;
  }

  /** Whether `commit` is in the first-parent history of `tip`. */
  contains(commit: string, tip: string | undefined = this.store.tip()): boolean {
    this.refresh(tip);
    return this.find(commit) >= 0;
  }

  /** The newest commit at or before `time` (seconds), or undefined when history starts later. */
  commitAt(time: number, tip: string | undefined = this.store.tip()): string | undefined {
    this.refresh(tip);
    for (let i = this.viewLen - 1; i >= 0; i--) if (this.rows.readUInt32BE(i * ROW + 20) <= time) return this.oidAt(i);
    return undefined;
  }

  /** The first commit of the history and its time, or undefined for an empty history. */
  first(tip: string | undefined = this.store.tip()): { commit: string; time: number } | undefined {
    this.refresh(tip);
    return this.viewLen > 0 ? { commit: this.oidAt(0), time: this.rows.readUInt32BE(20) } : undefined;
  }

  /** Commits of the history whose id starts with `prefix` (lowercase hex). */
  withPrefix(prefix: string, tip: string | undefined = this.store.tip()): string[] {
    this.refresh(tip);
    const out: string[] = [];
    for (let i = 0; i < this.viewLen; i++) {
      const oid = this.oidAt(i);
      if (oid.startsWith(prefix)) out.push(oid);
    }
    return out;
  }

  private oidAt(i: number): string {
    return this.rows.toString('hex', i * ROW, i * ROW + 20);
  }

  /** Index of `commit` in the current view, or -1. */
  private find(commit: string): number {
    const i = this.indexIn(commit);
    return i < this.viewLen ? i : -1;
  }

  /** Index of `commit` in the cached history, or -1. */
  private indexIn(commit: string): number {
    this.indexOf ??= new Map(Array.from({ length: this.count }, (_, i) => [this.oidAt(i), i]));
    return this.indexOf.get(commit) ?? -1;
  }

  private entryAt(i: number): LogEntry {
    return toEntry(this.chunk(Math.floor(i / CHUNK))[i % CHUNK]!);
  }

  private refresh(tip: string | undefined): void {
    if (this.loaded && tip === this.viewTip) return;
    if (!this.loaded) this.load();
    if (!tip) {
      this.viewTip = undefined;
      this.viewLen = 0;
      return;
    }
    if (this.count > 0 && this.oidAt(this.count - 1) === tip) {
      this.viewTip = tip;
      this.viewLen = this.count;
      return;
    }
    const known = this.indexIn(tip);
    if (known >= 0) {
      // A tip inside the cached history (an `--at` read, or a branch moved back): a shorter view.
      this.viewTip = tip;
      this.viewLen = known + 1;
      return;
    }
    this.extend(tip);
  }

  /**
   * Diffs the commits `tip` has beyond the cached history and appends them (in memory and on disk).
   *
   * New rows are held as their JSON text (one string each) with ids and times in a flat buffer,
   * not as parsed rows: a from-scratch build over 100k commits otherwise kept about a million
   * small objects alive, and every full collection traced them all, which was half the build.
   */
  private extend(tip: string): void {
    this.viewLen = this.count;
    const texts: string[] = [];
    let ids = Buffer.allocUnsafe(64 * ROW); // id + time per new row, newest first
    const addedPaths: string[] = [];
    const addedStep: number[] = [];
    const recent: Row[] = [];
    let base = -1;
    const last = this.count > 0 ? this.oidAt(this.count - 1) : undefined;
    // One read per commit: each commit's parent is read for the diff and is the next step's commit.
    let next: Commit | undefined;
    for (let c: string | undefined = tip, steps = 0; c; steps++) {
      // Usually the tip gained a few commits on top of the cached tip; only a longer walk pays for
      // the id → index map that finds where a rewritten history rejoins the cached one.
      const k = c === last ? this.count - 1 : steps >= 64 ? this.indexIn(c) : -1;
      if (k >= 0) {
        base = k;
        break;
      }
      const commit: Commit = next ?? this.readCommit(c);
      const { row, parent, parentCommit } = this.rowOf(c, commit);
      if ((steps + 1) * ROW > ids.length) {
        const grown = Buffer.allocUnsafe(ids.length * 2);
        ids.copy(grown);
        ids = grown;
      }
      ids.write(c, steps * ROW, 20, 'hex');
      ids.writeUInt32BE(row[1] >>> 0, steps * ROW + 20);
      for (const path of row[4]) {
        addedPaths.push(path);
        addedStep.push(steps);
      }
      // The usual append adds a row or two: those stay parsed and go straight into their chunk.
      if (steps < CHUNK) recent.push(row);
      texts.push(JSON.stringify(row));
      next = parentCommit;
      c = parent;
    }
    const n = texts.length;
    const start = base + 1;
    if (start < this.count) {
      // The tip does not descend from the cached tip (history rewritten): keep the common part.
      this.truncate(start);
    }
    const rows = Buffer.alloc((start + n) * ROW);
    this.rows.copy(rows, 0, 0, start * ROW);
    for (let j = 0; j < n; j++) ids.copy(rows, (start + j) * ROW, (n - 1 - j) * ROW, (n - j) * ROW);
    // Row `start + j` is step `n - 1 - j` of the walk.
    const chunkTexts = new Map<number, string>();
    const small = n <= CHUNK;
    if (small) {
      // Into the cached chunks (loaded against the old rows), then each touched chunk written once.
      for (let j = 0; j < n; j++) {
        const i = start + j;
        const k = Math.floor(i / CHUNK);
        this.chunk(k)[i % CHUNK] = recent[n - 1 - j]!;
        chunkTexts.set(k, '');
      }
      for (const k of chunkTexts.keys()) chunkTexts.set(k, JSON.stringify(this.chunks.get(k)));
    } else {
      const textAt = (i: number) => texts[n - 1 - (i - start)]!;
      for (let k = Math.floor(start / CHUNK); k * CHUNK < start + n; k++) {
        const from = k * CHUNK;
        const to = Math.min(from + CHUNK, start + n);
        const parts: string[] = [];
        if (from < start) {
          const kept = this.chunk(k);
          for (let i = from; i < start; i++) parts.push(JSON.stringify(kept[i - from]));
        }
        for (let i = Math.max(from, start); i < to; i++) parts.push(textAt(i));
        chunkTexts.set(k, `[${parts.join(',')}]`);
        // A long build is read back from its chunk files when a query needs it.
        this.chunks.delete(k);
      }
    }
    // Buckets are loaded (and caught up) against the old rows, before the new ones are in place;
    // oldest step first, so a path added again (a settings file, a rewrite) names its newest commit.
    const touchedBuckets = new Set<number>();
    for (let q = addedPaths.length - 1; q >= 0; q--) {
      const path = addedPaths[q]!;
      const step = addedStep[q]!;
      const b = bucketOf(path);
      this.bucket(b)[path] = [start + n - 1 - step, ids.toString('hex', step * ROW, step * ROW + 20)];
      touchedBuckets.add(b);
    }
    this.rows = rows;
    this.count = start + n;
    this.indexOf = undefined;
    this.all = undefined;
    this.viewTip = tip;
    this.viewLen = this.count;
    if (n > 0 && !this.write(chunkTexts, touchedBuckets) && !small) {
      // Nothing on disk to read back (a read-only repository): keep every chunk in memory.
      for (const [k, text] of chunkTexts) this.chunks.set(k, JSON.parse(text) as Row[]);
    }
  }

  private truncate(n: number): void {
    this.rows = this.rows.subarray(0, n * ROW);
    this.count = n;
    this.indexOf = undefined;
    this.all = undefined;
    for (const k of [...this.chunks.keys()]) if (k * CHUNK >= n) this.chunks.delete(k);
    const last = this.chunks.get(Math.floor(n / CHUNK));
    if (last) last.length = n % CHUNK;
    // Bucket entries of dropped commits would name commits no longer in the history.
    for (let b = 0; b < BUCKETS; b++) {
      const m = this.bucket(b);
      for (const [p, [i]] of Object.entries(m)) if (i >= n) delete m[p];
    }
    this.writeAllBuckets = true;
  }

  private writeAllBuckets = false;

  private load(): void {
    this.loaded = true;
    try {
      const raw = this.store.fs.readFileSync(`${this.dir}/commits.bin`);
      const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      if (buf.length % ROW !== 0) throw new Error('torn');
      this.rows = buf;
      this.count = buf.length / ROW;
    } catch {
      // No cache, or an unreadable one: it is derived data, so rebuild it.
      this.rows = Buffer.alloc(0);
      this.count = 0;
    }
  }

  /** The rows of chunk `k` as cached on disk, checked against `commits.bin`; re-derived when stale. */
  private chunk(k: number): Row[] {
    let c = this.chunks.get(k);
    if (c) return c;
    const want = Math.min(CHUNK, Math.max(0, this.count - k * CHUNK));
    try {
      c = JSON.parse(this.store.fs.readFileSync(`${this.dir}/chunk-${k}.json`, 'utf8') as string) as Row[];
      if (!Array.isArray(c)) throw new Error('bad');
      for (let j = 0; j < want; j++) if (c[j]?.[0] !== this.oidAt(k * CHUNK + j)) throw new Error('stale');
      c.length = want;
    } catch {
      c = this.derive(k * CHUNK, want);
    }
    this.chunks.set(k, c);
    return c;
  }

  /**
   * One commit's row, diffed against its first parent on the raw tree bytes. In a shallow clone
   * the parent at the boundary is not in the repository: that commit is the start of the history
   * we have, so its whole tree counts as added (the same view `git log` gives of a shallow clone).
   */
  private rowOf(c: string, commit: Commit = this.readCommit(c)): { row: Row; parent: string | undefined; parentCommit: Commit | undefined } {
    const first = commit.parents[0];
    // tryRead, not has() + read(): one idx lookup instead of two for every commit.
    const raw = first ? this.store.objects.tryRead(first) : undefined;
    const parentCommit = raw ? parseCommit(raw.data) : undefined;
    const changes: Change[] = [];
    this.rawTrees ??= new RawTrees(this.store.objects);
    diffRawTrees(this.rawTrees, parentCommit?.tree, commit.tree, '', changes);
    const added: string[] = [];
    const changed: string[] = [];
    for (const x of changes) (x.status === 'A' ? added : changed).push(x.path);
    const author = commit.author.email && commit.author.email !== 'meta@localhost' ? `${commit.author.name} <${commit.author.email}>` : commit.author.name;
    const nl = commit.message.indexOf('\n');
    return {
      row: [c, commit.committer.timestamp, author, nl < 0 ? commit.message : commit.message.slice(0, nl), added, changed],
      parent: raw ? first : undefined,
      parentCommit,
    };
  }

  /**
   * Commits parsed straight from their bytes: a from-scratch build reads each commit once, and
   * keeping 100k of them in the object store's cache is what made it grow to half a gigabyte.
   */
  private readCommit(c: string): Commit {
    return parseCommit(this.store.objects.read(c, 'commit').data);
  }

  private rawTrees?: RawTrees;

  /** Re-derives rows `from..from+n-1` from the git objects (a missing or stale chunk file). */
  private derive(from: number, n: number): Row[] {
    const out: Row[] = [];
    for (let i = from; i < from + n; i++) out.push(this.rowOf(this.oidAt(i)).row);
    if (n > 0) this.writeFile(`chunk-${from / CHUNK}.json`, JSON.stringify(out));
    return out;
  }

  /**
   * Bucket `b`: path → [index, commit] for every path added in the cached history. A bucket file
   * records how many commits it covers; one written by a writer that was behind is caught up from
   * the chunks, and entries whose commit id does not match `commits.bin` are dropped.
   */
  private bucket(b: number): Record<string, [number, string]> {
    let m = this.buckets.get(b);
    if (m) return m;
    let covered = 0;
    try {
      const f = JSON.parse(this.store.fs.readFileSync(`${this.dir}/added-${hex2(b)}.json`, 'utf8') as string) as { n: number; m: Record<string, [number, string]> };
      m = f.m;
      covered = Math.min(f.n, this.count);
      for (const [p, [i, oid]] of Object.entries(m)) if (i >= this.count || this.oidAt(i) !== oid) delete m[p];
    } catch {
      m = {};
      covered = 0;
    }
    this.buckets.set(b, m);
    if (covered < this.count) {
      for (let i = covered; i < this.count; i++) {
        const r = this.chunk(Math.floor(i / CHUNK))[i % CHUNK]!;
        for (const p of r[4]) if (bucketOf(p) === b) m[p] = [i, r[0]];
      }
      this.writeFile(`added-${hex2(b)}.json`, JSON.stringify({ n: this.count, m }));
    }
    return m;
  }

  private write(chunks: Map<number, string>, buckets: Set<number>): boolean {
    try {
      this.store.fs.mkdirSync(this.dir, { recursive: true });
    } catch {
      return false;
    }
    for (const [k, text] of chunks) if (!this.writeFile(`chunk-${k}.json`, text)) return false;
    const all = this.writeAllBuckets ? Array.from({ length: BUCKETS }, (_, b) => b) : [...buckets];
    this.writeAllBuckets = false;
    for (const b of all) this.writeFile(`added-${hex2(b)}.json`, JSON.stringify({ n: this.count, m: this.bucket(b) }));
    return this.writeFile('commits.bin', this.rows);
  }

  private writeFile(name: string, data: string | Uint8Array): boolean {
    const tmp = `${this.dir}/${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      this.store.fs.mkdirSync(this.dir, { recursive: true });
      this.store.fs.writeFileSync(tmp, data);
      this.store.fs.renameSync(tmp, `${this.dir}/${name}`);
      return true;
    } catch {
      // A read-only repository still answers; it just re-derives next time.
      try { this.store.fs.unlinkSync(tmp); } catch { /* nothing written */ }
      return false;
    }
  }
}

function toEntry(r: Row): LogEntry {
  return { commit: r[0], time: r[1], author: r[2], subject: r[3], added: r[4], changed: r[5] };
}

const folderBuckets = new Map<string, number>();

/** Files of one folder share a bucket: a channel's records, read together, live in one file. */
function bucketOf(path: string): number {
  const folder = path.slice(0, Math.max(0, path.lastIndexOf('/')));
  let b = folderBuckets.get(folder);
  if (b === undefined) {
    b = createHash('sha1').update(folder).digest()[0]!;
    // Folders are few (projects × kinds × shards); the bound only guards odd repositories.
    if (folderBuckets.size > 100_000) folderBuckets.clear();
    folderBuckets.set(folder, b);
  }
  return b;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

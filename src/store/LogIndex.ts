import { AddedPaths } from './AddedPaths.js';
import { CommitTable, COMMIT_ROW } from './CommitTable.js';
import { parseCommit, type Commit } from './gitObjects.js';
import { toLogEntry, type LogEntry, type LogRow } from './LogEntry.js';
import { LogChunks, LOG_CHUNK } from './LogChunks.js';
import type { ObjectReader } from './ObjectReader.js';
import { diffRawTrees, RawTrees } from './diffRawTrees.js';
import type { StateDir } from './StateDir.js';
import type { Change } from './diffTrees.js';

export type { LogEntry } from './LogEntry.js';

/**
 * The queries the log index answers about the branch's first-parent history. Each takes the tip
 * to answer at (default: the branch tip), so a read at an older commit sees that commit's history.
 *
 * @example
 * const e = repository.log().addedBy('projects/acme/app/project.pb');
 * console.log(e?.commit, e?.author);
 */
export interface LogQueries {
  /** The first-parent history from the root to `tip`, oldest first. */
  entries(tip?: string): LogEntry[];
  /** The entry that added `path`, or undefined. */
  addedBy(path: string, tip?: string): LogEntry | undefined;
  /** The id of the commit that added `path` (reads no entry: one small bucket file per folder). */
  addedIn(path: string, tip?: string): string | undefined;
  /** Entries newer than `commit` (all when it is undefined or not in the history). */
  since(commit: string | undefined, tip?: string): LogEntry[];
  /** Whether `commit` is in the first-parent history of `tip`. */
  contains(commit: string, tip?: string): boolean;
  /** The newest commit at or before `time` (seconds), or undefined when history starts later. */
  commitAt(time: number, tip?: string): string | undefined;
  /** The first commit of the history and its time, or undefined for an empty history. */
  first(tip?: string): { commit: string; time: number } | undefined;
  /** Commits of the history whose id starts with `prefix` (lowercase hex). */
  withPrefix(prefix: string, tip?: string): string[];
}

/**
 * An index derived from the log and cached by commit (in a state directory outside the
 * repository's content, never the truth): which commit added each path, the commit at a date,
 * short-hash lookup. It is brought up to date incrementally by diffing only the commits the tip
 * gained since the cached tip, so no query ever walks the whole history.
 *
 * The cache is three files, so a cold query reads only what it needs whatever the history's
 * length: {@link CommitTable} (`commits.bin`: ids and times), {@link AddedPaths} (`added-<xx>.json`:
 * path → commit) and {@link LogChunks} (`chunk-<n>.json`: full entries). An append rewrites the
 * last chunk, the touched buckets and `commits.bin`, which is written last. Every file says how
 * far it is complete and readers check ids against `commits.bin`, so a stale or damaged file costs
 * a re-derivation, never a wrong answer.
 *
 * @example
 * const log = new LogIndex(objects, () => tip, cache.dir('log-v2'));
 * log.commitAt(Date.parse('2026-03-01') / 1000);
 */
export class LogIndex implements LogQueries {
  private readonly table: CommitTable;
  private readonly chunks: LogChunks;
  private readonly added: AddedPaths;
  private loaded = false;
  /** The tip the current view ends at, and the view's length (a prefix of the cached rows). */
  private viewTip: string | undefined;
  private viewLen = 0;
  private all?: LogEntry[];
  private rawTrees?: RawTrees;

  constructor(
    private readonly objects: ObjectReader,
    private readonly branchTip: () => string | undefined,
    dir: StateDir,
  ) {
    this.table = new CommitTable(dir);
    this.chunks = new LogChunks(dir, this.table, (i) => this.rowOf(this.table.oidAt(i)).row);
    this.added = new AddedPaths(dir, this.table, this.chunks);
  }

  entries(tip: string | undefined = this.branchTip()): LogEntry[] {
    this.refresh(tip);
    if (!this.all || this.all.length < this.viewLen) {
      const out: LogEntry[] = [];
      for (let i = 0; i < this.viewLen; i += LOG_CHUNK) out.push(...this.chunks.get(i / LOG_CHUNK).map(toLogEntry));
      this.all = out;
    }
    return this.all.length === this.viewLen ? this.all : this.all.slice(0, this.viewLen);
  }

  addedBy(path: string, tip?: string): LogEntry | undefined {
    this.refresh(tip === undefined ? this.branchTip() : tip);
    const hit = this.added.lookup(path);
    if (!hit || hit[0] >= this.viewLen) return undefined;
    return toLogEntry(this.chunks.rowAt(hit[0]));
  }

  addedIn(path: string, tip?: string): string | undefined {
    this.refresh(tip === undefined ? this.branchTip() : tip);
    const hit = this.added.lookup(path);
    return hit && hit[0] < this.viewLen ? hit[1] : undefined;
  }

  since(commit: string | undefined, tip?: string): LogEntry[] {
    this.refresh(tip === undefined ? this.branchTip() : tip);
    const i = commit ? this.find(commit) : -1;
    if (i < 0) return this.entries(this.viewTip);
    const out: LogEntry[] = [];
    for (let k = i + 1; k < this.viewLen; k++) out.push(toLogEntry(this.chunks.rowAt(k)));
    return out;
  }

  contains(commit: string, tip: string | undefined = this.branchTip()): boolean {
    this.refresh(tip);
    return this.find(commit) >= 0;
  }

  commitAt(time: number, tip: string | undefined = this.branchTip()): string | undefined {
    this.refresh(tip);
    for (let i = this.viewLen - 1; i >= 0; i--) if (this.table.timeAt(i) <= time) return this.table.oidAt(i);
    return undefined;
  }

  first(tip: string | undefined = this.branchTip()): { commit: string; time: number } | undefined {
    this.refresh(tip);
    return this.viewLen > 0 ? { commit: this.table.oidAt(0), time: this.table.timeAt(0) } : undefined;
  }

  withPrefix(prefix: string, tip: string | undefined = this.branchTip()): string[] {
    this.refresh(tip);
    const out: string[] = [];
    for (let i = 0; i < this.viewLen; i++) {
      const oid = this.table.oidAt(i);
      if (oid.startsWith(prefix)) out.push(oid);
    }
    return out;
  }

  /** Index of `commit` in the current view, or -1. */
  private find(commit: string): number {
    const i = this.table.indexOf(commit);
    return i < this.viewLen ? i : -1;
  }

  private refresh(tip: string | undefined): void {
    if (this.loaded && tip === this.viewTip) return;
    if (!this.loaded) {
      this.loaded = true;
      this.table.load();
    }
    if (!tip) {
      this.viewTip = undefined;
      this.viewLen = 0;
      return;
    }
    const count = this.table.count;
    if (count > 0 && this.table.oidAt(count - 1) === tip) {
      this.viewTip = tip;
      this.viewLen = count;
      return;
    }
    const known = this.table.indexOf(tip);
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
    const table = this.table;
    this.viewLen = table.count;
    const texts: string[] = [];
    let ids = Buffer.allocUnsafe(64 * COMMIT_ROW); // id + time per new row, newest first
    const addedPaths: string[] = [];
    const addedStep: number[] = [];
    const recent: LogRow[] = [];
    let base = -1;
    const last = table.count > 0 ? table.oidAt(table.count - 1) : undefined;
    // One read per commit: each commit's parent is read for the diff and is the next step's commit.
    let next: Commit | undefined;
    for (let c: string | undefined = tip, steps = 0; c; steps++) {
      // Usually the tip gained a few commits on top of the cached tip; only a longer walk pays for
      // the id → index map that finds where a rewritten history rejoins the cached one.
      const k = c === last ? table.count - 1 : steps >= 64 ? table.indexOf(c) : -1;
      if (k >= 0) {
        base = k;
        break;
      }
      const commit: Commit = next ?? this.readCommit(c);
      const { row, parent, parentCommit } = this.rowOf(c, commit);
      if ((steps + 1) * COMMIT_ROW > ids.length) {
        const grown = Buffer.allocUnsafe(ids.length * 2);
        ids.copy(grown);
        ids = grown;
      }
      ids.write(c, steps * COMMIT_ROW, 20, 'hex');
      ids.writeUInt32BE(row[1] >>> 0, steps * COMMIT_ROW + 20);
      for (const path of row[4]) {
        addedPaths.push(path);
        addedStep.push(steps);
      }
      // The usual append adds a row or two: those stay parsed and go straight into their chunk.
      if (steps < LOG_CHUNK) recent.push(row);
      texts.push(JSON.stringify(row));
      next = parentCommit;
      c = parent;
    }
    const n = texts.length;
    const start = base + 1;
    if (start < table.count) {
      // The tip does not descend from the cached tip (history rewritten): keep the common part.
      table.truncate(start);
      this.chunks.truncate(start);
      this.added.truncate(start);
      this.all = undefined;
    }
    const rows = Buffer.alloc((start + n) * COMMIT_ROW);
    table.rows.copy(rows, 0, 0, start * COMMIT_ROW);
    for (let j = 0; j < n; j++) ids.copy(rows, (start + j) * COMMIT_ROW, (n - 1 - j) * COMMIT_ROW, (n - j) * COMMIT_ROW);
    // Row `start + j` is step `n - 1 - j` of the walk.
    const chunkTexts = new Map<number, string>();
    const small = n <= LOG_CHUNK;
    if (small) {
      // Into the cached chunks (loaded against the old rows), then each touched chunk written once.
      for (let j = 0; j < n; j++) {
        const i = start + j;
        const k = Math.floor(i / LOG_CHUNK);
        this.chunks.get(k)[i % LOG_CHUNK] = recent[n - 1 - j]!;
        chunkTexts.set(k, '');
      }
      for (const k of chunkTexts.keys()) chunkTexts.set(k, JSON.stringify(this.chunks.held(k)));
    } else {
      const textAt = (i: number) => texts[n - 1 - (i - start)]!;
      for (let k = Math.floor(start / LOG_CHUNK); k * LOG_CHUNK < start + n; k++) {
        const from = k * LOG_CHUNK;
        const to = Math.min(from + LOG_CHUNK, start + n);
        const parts: string[] = [];
        if (from < start) {
          const kept = this.chunks.get(k);
          for (let i = from; i < start; i++) parts.push(JSON.stringify(kept[i - from]));
        }
        for (let i = Math.max(from, start); i < to; i++) parts.push(textAt(i));
        chunkTexts.set(k, `[${parts.join(',')}]`);
        // A long build is read back from its chunk files when a query needs it.
        this.chunks.forget(k);
      }
    }
    // Buckets are loaded (and caught up) against the old rows, before the new ones are in place;
    // oldest step first, so a path added again (a settings file, a rewrite) names its newest commit.
    for (let q = addedPaths.length - 1; q >= 0; q--) {
      const step = addedStep[q]!;
      this.added.set(addedPaths[q]!, start + n - 1 - step, ids.toString('hex', step * COMMIT_ROW, step * COMMIT_ROW + 20));
    }
    table.replace(rows, start + n);
    this.all = undefined;
    this.viewTip = tip;
    this.viewLen = table.count;
    if (n > 0 && !this.save(chunkTexts) && !small) {
      // Nothing on disk to read back (a read-only repository): keep every chunk in memory.
      for (const [k, text] of chunkTexts) this.chunks.hold(k, JSON.parse(text) as LogRow[]);
    }
  }

  /** Chunks, then buckets, then `commits.bin` last (it says how far the cache is complete). */
  private save(chunkTexts: Map<number, string>): boolean {
    for (const [k, text] of chunkTexts) if (!this.chunks.write(k, text)) return false;
    this.added.save();
    return this.table.save();
  }

  /**
   * One commit's row, diffed against its first parent on the raw tree bytes. In a shallow clone
   * the parent at the boundary is not in the repository: that commit is the start of the history
   * we have, so its whole tree counts as added (the same view `git log` gives of a shallow clone).
   */
  private rowOf(c: string, commit: Commit = this.readCommit(c)): { row: LogRow; parent: string | undefined; parentCommit: Commit | undefined } {
    const first = commit.parents[0];
    // tryRead, not has() + read(): one idx lookup instead of two for every commit.
    const raw = first ? this.objects.tryRead(first) : undefined;
    const parentCommit = raw ? parseCommit(raw.data) : undefined;
    const changes: Change[] = [];
    this.rawTrees ??= new RawTrees(this.objects);
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
    return parseCommit(this.objects.read(c, 'commit').data);
  }
}

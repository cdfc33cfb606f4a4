import type { CommitTable } from './CommitTable.js';
import type { LogRow } from './LogEntry.js';
import type { StateDir } from './StateDir.js';

/** Entries per chunk file: appending rewrites only the last chunk. */
export const LOG_CHUNK = 1000;

/**
 * `chunk-<n>.json` of the log index: the full rows of the history (author, subject, paths added
 * and changed), 1,000 per file, for `meta log`, events and followers. A chunk is read only when a
 * query needs it, and checked against `commits.bin`: a stale or damaged file is derived again from
 * the git objects (`derive`) and rewritten, never trusted.
 *
 * @example
 * const chunks = new LogChunks(cacheDir, table, (i) => rowOf(table.oidAt(i)));
 * const row = chunks.rowAt(41);
 */
export class LogChunks {
  private readonly chunks = new Map<number, LogRow[]>();

  constructor(
    private readonly dir: StateDir,
    private readonly table: CommitTable,
    /** The row of commit `i` of the table, computed from the objects. */
    private readonly derive: (i: number) => LogRow,
  ) {}

  /** The rows of chunk `k` as far as the table goes: cached, else read and checked, else derived. */
  get(k: number): LogRow[] {
    let c = this.chunks.get(k);
    if (c) return c;
    const want = Math.min(LOG_CHUNK, Math.max(0, this.table.count - k * LOG_CHUNK));
    try {
      c = JSON.parse(this.dir.readText(`chunk-${k}.json`) ?? '') as LogRow[];
      if (!Array.isArray(c)) throw new Error('bad');
      for (let j = 0; j < want; j++) if (c[j]?.[0] !== this.table.oidAt(k * LOG_CHUNK + j)) throw new Error('stale');
      c.length = want;
    } catch {
      c = [];
      for (let i = k * LOG_CHUNK; i < k * LOG_CHUNK + want; i++) c.push(this.derive(i));
      if (want > 0) this.write(k, JSON.stringify(c));
    }
    this.chunks.set(k, c);
    return c;
  }

  /** Row `i` of the history. */
  rowAt(i: number): LogRow {
    return this.get(Math.floor(i / LOG_CHUNK))[i % LOG_CHUNK]!;
  }

  /** Chunk `k` as held in memory, if it is. */
  held(k: number): LogRow[] | undefined {
    return this.chunks.get(k);
  }

  /** Holds `rows` as chunk `k` (a build whose files could not be written keeps them here). */
  hold(k: number, rows: LogRow[]): void {
    this.chunks.set(k, rows);
  }

  /** Forgets chunk `k` in memory (it is read back from its file when needed). */
  forget(k: number): void {
    this.chunks.delete(k);
  }

  /** Keeps the first `n` rows in memory. */
  truncate(n: number): void {
    for (const k of [...this.chunks.keys()]) if (k * LOG_CHUNK >= n) this.chunks.delete(k);
    const last = this.chunks.get(Math.floor(n / LOG_CHUNK));
    if (last) last.length = n % LOG_CHUNK;
  }

  /** Writes chunk `k`'s file; false when it cannot be written. */
  write(k: number, text: string): boolean {
    try {
      this.dir.write(`chunk-${k}.json`, text);
      return true;
    } catch {
      return false;
    }
  }
}

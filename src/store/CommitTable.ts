import type { StateDir } from './StateDir.js';

/** Bytes per row of `commits.bin`: the commit id (20 bytes) and its committer time (4 bytes). */
export const COMMIT_ROW = 24;

/**
 * `commits.bin` of the log index: every commit of the cached first-parent history, oldest first,
 * as 24-byte rows (id, committer time). The other two cache files are checked against it, and it
 * is written last, so it says how far the cache is complete. `--at <date>` and short hashes read
 * nothing else.
 *
 * @example
 * const table = new CommitTable(cacheDir);
 * table.load();
 * if (table.count > 0) console.log(table.oidAt(table.count - 1));
 */
export class CommitTable {
  /** The rows as loaded or last written: rows 0..count-1 of the cached history. */
  rows: Buffer = Buffer.alloc(0);
  count = 0;
  private byOid?: Map<string, number>;

  constructor(private readonly dir: StateDir) {}

  /** Reads the file; a missing, unreadable or torn one is an empty table (it is derived data). */
  load(): void {
    try {
      const buf = this.dir.read('commits.bin');
      if (!buf || buf.length % COMMIT_ROW !== 0) throw new Error('torn');
      this.rows = buf;
      this.count = buf.length / COMMIT_ROW;
    } catch {
      this.rows = Buffer.alloc(0);
      this.count = 0;
    }
  }

  oidAt(i: number): string {
    return this.rows.toString('hex', i * COMMIT_ROW, i * COMMIT_ROW + 20);
  }

  timeAt(i: number): number {
    return this.rows.readUInt32BE(i * COMMIT_ROW + 20);
  }

  /** Index of `commit` in the table, or -1 (the map is built on first use). */
  indexOf(commit: string): number {
    this.byOid ??= new Map(Array.from({ length: this.count }, (_, i) => [this.oidAt(i), i]));
    return this.byOid.get(commit) ?? -1;
  }

  /** Takes `rows` (`count` of them) as the new table. */
  replace(rows: Buffer, count: number): void {
    this.rows = rows;
    this.count = count;
    this.byOid = undefined;
  }

  /** Keeps the first `n` rows (a rewritten history rejoined the cached one there). */
  truncate(n: number): void {
    this.replace(this.rows.subarray(0, n * COMMIT_ROW), n);
  }

  /** Writes the file; false when it cannot be written (a read-only repository still answers). */
  save(): boolean {
    try {
      this.dir.write('commits.bin', this.rows);
      return true;
    } catch {
      return false;
    }
  }
}

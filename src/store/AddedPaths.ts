import { createHash } from 'node:crypto';
import type { CommitTable } from './CommitTable.js';
import type { LogChunks } from './LogChunks.js';
import type { StateDir } from './StateDir.js';

const BUCKETS = 256;

/** path → [index in the history, commit] */
type Bucket = Record<string, [number, string]>;

/**
 * `added-<xx>.json` of the log index: which commit added each path ("which commit added this"),
 * in 256 buckets by a hash of the path's folder, so the records of one channel, read together,
 * live in one small file. A bucket file records how many commits it covers: one written by a
 * writer that was behind is caught up from the chunks, and entries whose commit id does not match
 * `commits.bin` are dropped.
 *
 * @example
 * const added = new AddedPaths(cacheDir, table, chunks);
 * const hit = added.lookup('projects/acme/app/project.pb'); // [index, commit] or undefined
 */
export class AddedPaths {
  private readonly buckets = new Map<number, Bucket>();
  private readonly touched = new Set<number>();
  private rewriteAll = false;

  constructor(
    private readonly dir: StateDir,
    private readonly table: CommitTable,
    private readonly chunks: LogChunks,
  ) {}

  /** Where `path` was added: its index in the history and the commit, as far as the table goes. */
  lookup(path: string): [number, string] | undefined {
    return this.bucket(bucketOf(path))[path];
  }

  /**
   * Records that commit `oid`, at `index`, added `path`. Call it before the table grows to hold
   * that commit: the bucket is loaded and caught up against the rows it already has.
   */
  set(path: string, index: number, oid: string): void {
    const b = bucketOf(path);
    this.bucket(b)[path] = [index, oid];
    this.touched.add(b);
  }

  /** Drops the entries of commits at `n` and after (the history was cut back to `n` commits). */
  truncate(n: number): void {
    for (let b = 0; b < BUCKETS; b++) {
      const m = this.bucket(b);
      for (const [p, [i]] of Object.entries(m)) if (i >= n) delete m[p];
    }
    this.rewriteAll = true;
  }

  /** Writes the buckets changed since the last save (all of them after a truncation). */
  save(): void {
    const all = this.rewriteAll ? Array.from({ length: BUCKETS }, (_, b) => b) : [...this.touched];
    this.rewriteAll = false;
    this.touched.clear();
    for (const b of all) this.write(b, this.bucket(b));
  }

  private bucket(b: number): Bucket {
    let m = this.buckets.get(b);
    if (m) return m;
    const count = this.table.count;
    let covered = 0;
    try {
      const f = JSON.parse(this.dir.readText(`added-${hex2(b)}.json`) ?? '') as { n: number; m: Bucket };
      m = f.m;
      covered = Math.min(f.n, count);
      for (const [p, [i, oid]] of Object.entries(m)) if (i >= count || this.table.oidAt(i) !== oid) delete m[p];
    } catch {
      m = {};
      covered = 0;
    }
    this.buckets.set(b, m);
    if (covered < count) {
      for (let i = covered; i < count; i++) {
        const r = this.chunks.rowAt(i);
        for (const p of r[4]) if (bucketOf(p) === b) m[p] = [i, r[0]];
      }
      this.write(b, m);
    }
    return m;
  }

  private write(b: number, m: Bucket): void {
    try {
      this.dir.write(`added-${hex2(b)}.json`, JSON.stringify({ n: this.table.count, m }));
    } catch {
      // A read-only repository still answers; it just catches up again next time.
    }
  }
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

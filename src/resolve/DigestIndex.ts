import { classifyPath } from '../records/layout.js';
import type { Repository } from '../store/Repository.js';
import type { StateDir } from '../store/StateDir.js';
import type { RecordReader } from './RecordReader.js';

interface CacheFile {
  v: 1;
  tip: string;
  /** digest -> binary record paths */
  d: Record<string, string[]>;
}

const CACHE_FILE = 'digests-v1.json';

/**
 * digest → binary record paths, derived from the log (each commit's added binary records) and
 * cached by commit in the repository's `meta-cache` state directory, brought up to date
 * incrementally. It is never the truth: answers are re-read from the snapshot, so a stale or
 * damaged cache can only cost time.
 *
 * @example
 * const paths = new DigestIndex(repo.store, repo.reader).lookup('sha256:…');
 */
export class DigestIndex {
  private tip: string | undefined;
  private map = new Map<string, string[]>();
  private loaded = false;
  private readonly cache: StateDir;

  constructor(private readonly store: Repository, private readonly reader: RecordReader) {
    this.cache = store.stateDir('meta-cache');
  }

  /** Binary record paths with this digest, as of `tip` (default: the branch tip). */
  lookup(digest: string, tip: string | undefined = this.store.tip()): string[] {
    this.refresh(tip);
    return this.map.get(digest) ?? [];
  }

  private refresh(tip: string | undefined): void {
    if (!this.loaded) this.load();
    if (tip === this.tip) return;
    const log = this.store.log();
    // Only the entries since the cached tip: loading the whole log costs ~20 MB at 100k commits.
    const ancestor = this.tip !== undefined && log.contains(this.tip, tip);
    if (this.tip && !ancestor) this.map = new Map(); // not an ancestor: rebuild
    const snap = this.store.snapshot(tip);
    for (const e of log.since(ancestor ? this.tip : undefined, tip)) {
      for (const path of e.added) {
        if (classifyPath(path).type !== 'binary') continue;
        const entry = snap.entry(path);
        if (!entry) continue;
        try {
          const b = this.reader.byOid(snap, entry.oid, 'binary', { path, commit: e.commit });
          const list = this.map.get(b.digest) ?? [];
          if (!list.includes(path)) list.push(path);
          this.map.set(b.digest, list);
        } catch {
          // An undecodable record is verify's business; the index just skips it.
        }
      }
    }
    this.tip = tip;
    this.save();
  }

  private load(): void {
    this.loaded = true;
    try {
      const f = JSON.parse(this.cache.readText(CACHE_FILE) ?? '') as CacheFile;
      if (f.v === 1) {
        this.tip = f.tip;
        this.map = new Map(Object.entries(f.d));
      }
    } catch {
      /* derived data: rebuild */
    }
  }

  private save(): void {
    if (!this.tip) return;
    try {
      this.cache.write(CACHE_FILE, JSON.stringify({ v: 1, tip: this.tip, d: Object.fromEntries(this.map) } satisfies CacheFile));
    } catch {
      // A read-only repository still answers; it derives the index again next time.
    }
  }
}

import { randomBytes } from 'node:crypto';
import { classifyPath } from '../records/layout.js';
import type { Store } from '../store/Store.js';
import type { RecordReader } from './RecordReader.js';

interface CacheFile {
  v: 1;
  tip: string;
  /** digest -> binary record paths */
  d: Record<string, string[]>;
}

/**
 * digest → binary record paths, derived from the log (each commit's added binary records) and
 * cached by commit under `<gitdir>/meta-cache/`, brought up to date incrementally. It is never
 * the truth: answers are re-read from the snapshot, so a stale or damaged cache can only cost time.
 */
export class DigestIndex {
  private tip: string | undefined;
  private map = new Map<string, string[]>();
  private loaded = false;
  private readonly cachePath: string;

  constructor(private readonly store: Store, private readonly reader: RecordReader) {
    this.cachePath = `${store.gitdir}/meta-cache/digests-v1.json`;
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
      const f = JSON.parse(this.store.fs.readFileSync(this.cachePath, 'utf8') as string) as CacheFile;
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
    const dir = `${this.store.gitdir}/meta-cache`;
    const tmp = `${dir}/digests-v1.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      this.store.fs.mkdirSync(dir, { recursive: true });
      this.store.fs.writeFileSync(tmp, JSON.stringify({ v: 1, tip: this.tip, d: Object.fromEntries(this.map) } satisfies CacheFile));
      this.store.fs.renameSync(tmp, this.cachePath);
    } catch {
      try { this.store.fs.unlinkSync(tmp); } catch { /* nothing written */ }
    }
  }
}

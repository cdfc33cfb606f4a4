import { randomBytes } from 'node:crypto';
import type { Store } from './Store.js';
import { diffTrees } from './treeDiff.js';

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

interface CacheFile {
  v: 1;
  tip: string;
  e: [string, number, string, string, string[], string[]][];
}

/**
 * An index derived from the log and cached by commit (under `<gitdir>/meta-cache/`, outside the
 * repository's content, never the truth): which commit added each path, the commit at a date,
 * short-hash lookup. It is brought up to date incrementally by diffing only the commits the tip
 * gained since the cached tip, so no query ever walks the whole history (isomorphic-git's `log`
 * took 45 s to find the commit that added an old path; DESIGN.md §6).
 */
export class LogIndex {
  private tipSeen: string | undefined;
  private list: LogEntry[] = [];
  private addedAt?: Map<string, number>;
  private readonly cachePath: string;

  constructor(private readonly store: Store) {
    this.cachePath = `${store.gitdir}/meta-cache/log-v1.json`;
  }

  /** The first-parent history from the root to `tip` (default: the branch tip), oldest first. */
  entries(tip: string | undefined = this.store.tip()): LogEntry[] {
    this.refresh(tip);
    return this.list;
  }

  /** The entry that added `path`, or undefined. */
  addedBy(path: string, tip?: string): LogEntry | undefined {
    const list = this.entries(tip);
    if (!this.addedAt) {
      this.addedAt = new Map();
      list.forEach((e, i) => e.added.forEach((p) => this.addedAt!.set(p, i)));
    }
    const i = this.addedAt.get(path);
    return i === undefined ? undefined : list[i];
  }

  /** Entries newer than `commit` (all when it is undefined or not in the history). */
  since(commit: string | undefined, tip?: string): LogEntry[] {
    const list = this.entries(tip);
    if (!commit) return list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.commit === commit) return list.slice(i + 1);
    return list;
  }

  private refresh(tip: string | undefined): void {
    if (tip === this.tipSeen) return;
    if (this.tipSeen === undefined && this.list.length === 0) this.load();
    if (tip === this.tipSeen) return;
    if (!tip) {
      this.list = [];
      this.tipSeen = undefined;
      this.addedAt = undefined;
      return;
    }
    const known = new Map<string, number>();
    this.list.forEach((e, i) => known.set(e.commit, i));
    const fresh: LogEntry[] = [];
    let c: string | undefined = tip;
    let base = -1;
    while (c) {
      const k = known.get(c);
      if (k !== undefined) {
        base = k;
        break;
      }
      const commit = this.store.objects.readCommit(c);
      const parent = commit.parents[0];
      const parentTree = parent ? this.store.objects.readCommit(parent).tree : undefined;
      const changes = diffTrees(this.store.objects, parentTree, commit.tree);
      fresh.push({
        commit: c,
        time: commit.committer.timestamp,
        author: commit.author.email && commit.author.email !== 'meta@localhost' ? `${commit.author.name} <${commit.author.email}>` : commit.author.name,
        subject: commit.message.split('\n', 1)[0]!,
        added: changes.filter((x) => x.status === 'A').map((x) => x.path),
        changed: changes.filter((x) => x.status !== 'A').map((x) => x.path),
      });
      c = parent;
    }
    fresh.reverse();
    // A tip that does not descend from what we cached (history rewritten) rebuilds from scratch;
    // a tip that moved back to a cached ancestor truncates.
    if (base < 0 || base !== this.list.length - 1) this.addedAt = undefined;
    const offset = base + 1;
    this.list = base >= 0 ? this.list.slice(0, offset).concat(fresh) : fresh;
    if (this.addedAt) fresh.forEach((e, i) => e.added.forEach((p) => this.addedAt!.set(p, offset + i)));
    this.tipSeen = tip;
    if (fresh.length > 0) this.save();
  }

  private load(): void {
    try {
      const f = JSON.parse(this.store.fs.readFileSync(this.cachePath, 'utf8') as string) as CacheFile;
      if (f.v !== 1) return;
      this.list = f.e.map(([commit, time, author, subject, added, changed]) => ({ commit, time, author, subject, added, changed }));
      this.tipSeen = f.tip;
    } catch {
      // No cache, or an unreadable one: it is derived data, so rebuild it.
      this.list = [];
      this.tipSeen = undefined;
    }
  }

  private save(): void {
    const body: CacheFile = { v: 1, tip: this.tipSeen!, e: this.list.map((x) => [x.commit, x.time, x.author, x.subject, x.added, x.changed]) };
    const dir = `${this.store.gitdir}/meta-cache`;
    const tmp = `${dir}/log-v1.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      this.store.fs.mkdirSync(dir, { recursive: true });
      this.store.fs.writeFileSync(tmp, JSON.stringify(body));
      this.store.fs.renameSync(tmp, this.cachePath);
    } catch {
      // A read-only repository still answers; it just rebuilds the index next time.
      try { this.store.fs.unlinkSync(tmp); } catch { /* nothing written */ }
    }
  }
}

import { MetaError } from '../errors/MetaError.js';
import { decodeAs } from '../records/codec.js';
import { classifyPath, MUTABLE_SETTINGS, promotionPath, releasePath, type PathClass } from '../records/layout.js';
import type { RecordKind } from '../records/types.js';
import { parseCommit } from '../store/gitObjects.js';
import type { ObjectStore } from '../store/ObjectStore.js';
import { diffRawTrees, RawTrees } from '../store/rawTreeDiff.js';
import type { Store } from '../store/Store.js';
import type { Change } from '../store/treeDiff.js';

export type ViolationKind =
  /** A record file's content changed. */
  | 'modified'
  /** A record file disappeared. */
  | 'deleted'
  /** A record file moved (deleted and re-added with the same bytes in one commit). */
  | 'renamed'
  /** A file's bytes are not a record, or not the kind its path calls for. */
  | 'undecodable'
  /** The record disagrees with its path (project, version, channel, sequence, shard). */
  | 'path-mismatch'
  /** A githash (release of a promotion or binary, previous promotion) names no record at that commit. */
  | 'missing-reference'
  /** A channel record whose sequence skips a number. */
  | 'sequence-gap'
  /** A channel record whose sequence repeats one already taken. */
  | 'sequence-repeat'
  /** A file outside the repository layout. */
  | 'outside-layout';

export interface Violation {
  commit: string;
  path: string;
  kind: ViolationKind;
  message: string;
  /** For `renamed`: where the file went. */
  to?: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Commits examined (first-parent history from `from`, exclusive, to `to`). */
  commits: number;
  /** Record files decoded and checked. */
  records: number;
  from: string | undefined;
  to: string | undefined;
  /** True when the history stops at a shallow clone's boundary rather than the first commit. */
  shallow: boolean;
  violations: Violation[];
}

export interface VerifyOptions {
  /** Start after this commit (exclusive); default: the first commit. */
  from?: string;
  /** End at this commit; default: the branch tip. */
  to?: string;
  /** Stop collecting after this many violations (default 10,000); the walk still finishes. */
  maxViolations?: number;
}

const SETTINGS = new Set<string>(MUTABLE_SETTINGS);
const DECODED: Partial<Record<PathClass['type'], RecordKind>> = { project: 'project', release: 'release', binary: 'binary', promotion: 'promotion', instance: 'instance', event: 'event' };

/**
 * Proves the append-only contract over a range of history: each commit is diffed with its first
 * parent, descending only into subtrees whose ids differ (an append changes a handful), so the
 * cost is O(commits × depth) plus one decode per record ever written, never O(commits × files).
 * Reads only git objects: the derived caches (LogIndex) are not trusted here.
 *
 * @example
 * const r = verifyHistory(store);
 * for (const v of r.violations) console.log(v.commit, v.kind, v.path);
 */
export function verifyHistory(store: Store, opts: VerifyOptions = {}): VerifyReport {
  const o = store.objects;
  const to = opts.to ?? store.tip();
  const max = opts.maxViolations ?? 10_000;
  const report: VerifyReport = { ok: true, commits: 0, records: 0, from: opts.from, to, shallow: false, violations: [] };
  if (!to) return report;
  // Newest first, as git packs objects: the newest version of a tree is stored whole and older ones
  // as deltas against it, so this order resolves each delta from a base still in the pack's cache
  // (oldest first cost twice the inflating). Each commit is read once, straight from its bytes
  // rather than through the object store's cache, which a long history would only fill and evict:
  // its parent, read for the diff, is the next step's commit.
  const readCommit = (oid: string) => {
    const raw = o.tryRead(oid);
    if (raw && raw.type !== 'commit') o.read(oid, 'commit');
    return raw ? parseCommit(raw.data) : undefined;
  };
  // Violations per commit, newest first; only the oldest `max` are kept, as an oldest-first walk
  // that stops collecting would report.
  const groups: Violation[][] = [];
  let kept = 0;
  let dropped = 0;
  const trees = new RawTrees(o);
  let c: string | undefined = to;
  let commit = c !== opts.from ? readCommit(to) : undefined;
  if (c !== opts.from && !commit) report.shallow = true;
  while (c !== undefined && commit) {
    const first = commit.parents[0];
    let parent: ReturnType<typeof readCommit>;
    if (first !== undefined) {
      parent = readCommit(first);
      // A shallow boundary's parent is missing: check its whole tree as if it were the first commit.
      if (!parent && first !== opts.from) report.shallow = true;
    } else if (opts.from) {
      throw new MetaError('INVALID_ARGUMENT', `--from ${opts.from} is not on the first-parent history of ${to}; give an older commit of this branch`, { from: opts.from, to });
    }
    const changes: Change[] = [];
    diffRawTrees(trees, parent?.tree, commit.tree, '', changes);
    report.commits++;
    if (changes.length > 0) {
      const mine: Violation[] = [];
      checkCommit({ trees, root: commit.tree, objects: o }, c, changes, (v) => mine.push(v), report);
      if (mine.length > 0) {
        groups.push(mine);
        kept += mine.length;
        while (groups.length > 1 && kept - groups[dropped]!.length >= max) {
          kept -= groups[dropped]!.length;
          groups[dropped++] = [];
        }
      }
    }
    if (first === undefined || first === opts.from || !parent) break;
    c = first;
    commit = parent;
  }
  for (let g = groups.length - 1; g >= 0 && report.violations.length < max; g--) {
    for (const v of groups[g]!) if (report.violations.length < max) report.violations.push(v);
  }
  report.ok = report.violations.length === 0;
  return report;
}

/**
 * The tree of the commit being checked, looked up in the raw trees the diff just read: the paths a
 * record refers to share their folders with it, so a lookup rarely reads a tree (a parsed
 * Snapshot read and parsed every tree on the way a second time).
 */
interface At {
  trees: RawTrees;
  root: string;
  objects: ObjectStore;
}

function entryAt(at: At, path: string): string | undefined {
  return at.trees.entry(at.root, path);
}

function checkCommit(snap: At, commit: string, changes: Change[], add: (v: Violation) => void, report: VerifyReport): void {
  const addedByOid = new Map<string, string[]>();
  for (const ch of changes) if (ch.status === 'A') addedByOid.set(ch.oid, [...(addedByOid.get(ch.oid) ?? []), ch.path]);
  const renamedTo = new Set<string>();
  for (const ch of changes) {
    if (ch.status === 'A' || SETTINGS.has(ch.path)) continue;
    if (ch.status === 'D') {
      const dest = addedByOid.get(ch.oid)?.find((p) => !renamedTo.has(p));
      if (dest) {
        renamedTo.add(dest);
        add({ commit, path: ch.path, kind: 'renamed', to: dest, message: `${ch.path} was renamed to ${dest}; records never move` });
      } else add({ commit, path: ch.path, kind: 'deleted', message: `${ch.path} was deleted; records are never removed` });
    } else {
      add({ commit, path: ch.path, kind: 'modified', message: `${ch.path} was ${ch.status === 'T' ? 'changed in type' : 'modified'} (${(ch.oldOid ?? '').slice(0, 12)} -> ${ch.oid.slice(0, 12)}); records are immutable` });
    }
  }
  for (const ch of changes) {
    if (ch.status !== 'A' || renamedTo.has(ch.path)) continue;
    const cls = classifyPath(ch.path);
    if (cls.type === 'other') {
      add({ commit, path: ch.path, kind: 'outside-layout', message: `${ch.path} is outside the repository layout` });
      continue;
    }
    const kind = DECODED[cls.type];
    if (!kind) continue; // settings, hooks, SOPS secrets: not protobuf records
    report.records++;
    checkRecord(snap, commit, ch.path, ch.oid, cls, kind, add);
  }
}

function checkRecord(snap: At, commit: string, path: string, oid: string, cls: PathClass, kind: RecordKind, add: (v: Violation) => void): void {
  if (cls.type === 'promotion') {
    // From the path alone, so a channel record that does not even decode still shows the gap.
    const seq = cls.sequence;
    if (seq < 1 || (seq > 1 && entryAt(snap, promotionPath(cls.project, cls.channel, seq - 1)) === undefined)) {
      add({ commit, path, kind: 'sequence-gap', message: `channel ${cls.channel} of ${cls.project} jumps to ${seq} without ${seq - 1}` });
    }
  }
  let rec;
  try {
    rec = decodeAs(kind, snap.objects.read(oid, 'blob').data, { path, commit, oid });
  } catch (e) {
    add({ commit, path, kind: 'undecodable', message: `${path} is not a valid ${kind} record: ${(e as Error).message.split(';')[0]}` });
    return;
  }
  const mismatch = (what: string) => add({ commit, path, kind: 'path-mismatch', message: `${path}: ${what}` });
  const refTo = (target: string, githash: string, what: string) => {
    const e = entryAt(snap, target);
    if (e !== githash) {
      add({ commit, path, kind: 'missing-reference', message: `${path} names ${what} ${githash.slice(0, 12)}, but ${target} ${e ? `holds ${e.slice(0, 12)}` : 'does not exist'} at this commit` });
    }
  };
  switch (cls.type) {
    case 'project': {
      const r = rec as { name: string };
      if (r.name !== cls.project) mismatch(`project record names '${r.name}'`);
      break;
    }
    case 'release': {
      const r = rec as { project: string; version: string };
      if (r.project !== cls.project || r.version !== cls.version) mismatch(`release record is ${r.project} ${r.version}`);
      if (releasePath(cls.project, cls.version) !== path) mismatch('release is in the wrong shard');
      break;
    }
    case 'binary': {
      const r = rec as { project: string; release: { githash: string; version: string } };
      if (r.project !== cls.project || r.release.version !== cls.version) mismatch(`binary record is for ${r.project} ${r.release.version}`);
      refTo(releasePath(cls.project, cls.version), r.release.githash, 'release');
      break;
    }
    case 'promotion': {
      const r = rec as { project: string; channel: string; sequence: number; release: { githash: string; version: string }; previousPromotion: string };
      const seq = cls.sequence;
      if (r.project !== cls.project || r.channel !== cls.channel) mismatch(`channel record is for ${r.project} ${r.channel}`);
      if (promotionPath(cls.project, cls.channel, seq) !== path) mismatch(`sequence ${seq} is in the wrong shard`);
      if (r.sequence !== seq) {
        add({ commit, path, kind: r.sequence < seq && entryAt(snap, promotionPath(cls.project, cls.channel, r.sequence)) !== undefined ? 'sequence-repeat' : 'path-mismatch', message: `${path} holds sequence ${r.sequence}` });
      }
      if (r.release.githash) refTo(releasePath(cls.project, r.release.version), r.release.githash, `release ${r.release.version}`);
      if (r.previousPromotion) refTo(promotionPath(cls.project, cls.channel, seq - 1), r.previousPromotion, 'previous promotion');
      break;
    }
    default:
      break;
  }
}

import { isMetaError, MetaError } from '../errors/MetaError.js';
import { decodeAs } from '../records/codec.js';
import { classifyPath, configPath, flagsPath, pipelinePath, promotionPath, releasePath, yankPath, type PathClass } from '../records/layout.js';
import type { RecordKind } from '../records/types.js';
import type { Commit } from '../store/gitObjects.js';
import type { HistoryWalk, Repository } from '../store/Repository.js';
import type { Change } from '../store/diffTrees.js';
import { isMutableSetting } from './isMutableSetting.js';

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
  | 'outside-layout'
  /** A commit with several parents: the history must be one chain of single-parent commits. */
  | 'merge-commit'
  /** A parentless commit that is not the first commit of the history (a second history joined in). */
  | 'new-root'
  /** An object the history needs is not in the repository (and is not behind a shallow boundary). */
  | 'missing-object';

export interface Violation {
  commit: string;
  /** The record's path; '' for violations of the commit graph (merge-commit, new-root, a missing commit). */
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
  /** True when the history stops at a shallow clone's boundary (a commit listed in `shallow`) rather than the first commit. */
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

const DECODED: Partial<Record<PathClass['type'], RecordKind>> = {
  project: 'project', release: 'release', binary: 'binary', promotion: 'promotion', instance: 'instance', event: 'event', yank: 'yank',
  pipeline: 'pipeline', approval: 'approval', verification: 'verification', gate: 'gate', location: 'location', config: 'config', flags: 'flags',
};

/** The record folders numbered 1, 2, 3 … (a gap or a repeat is a violation), by the path's class. */
function sequencedPath(cls: PathClass, seq: number): string | undefined {
  switch (cls.type) {
    case 'promotion':
      return promotionPath(cls.project, cls.channel, seq);
    case 'pipeline':
      return pipelinePath(cls.project, seq);
    case 'config':
      return configPath(cls.project, cls.env, cls.channel, seq);
    case 'flags':
      return flagsPath(cls.project, cls.channel, seq);
    default:
      return undefined;
  }
}

/** The id of the object a read found missing, when `e` is the object store's NOT_FOUND. */
function missingOid(e: unknown): string | undefined {
  if (!isMetaError(e, 'NOT_FOUND')) return undefined;
  const oid = e.data.oid;
  return typeof oid === 'string' ? oid : undefined;
}

/**
 * Proves the append-only contract over a range of history: each commit is diffed with its first
 * parent, descending only into subtrees whose ids differ (an append changes a handful), so the
 * cost is O(commits × depth) plus one decode per record ever written, never O(commits × files).
 * Reads only git objects: the derived caches (LogIndex) are not trusted here.
 *
 * The history must also be one chain: every commit but the first has exactly one parent. A merge
 * is how a forged history (its own root, consistent in itself) is joined to the real tip so that
 * a first-parent walk sees only the forgery, so merges are reported, and the histories they join
 * are walked (parents only, no diffs) to report their extra roots and missing commits.
 *
 * @example
 * const r = verifyHistory(repo.store);
 * for (const v of r.violations) console.log(v.commit, v.kind, v.path);
 */
export function verifyHistory(store: Repository, opts: VerifyOptions = {}): VerifyReport {
  const o = store.walkHistory();
  const to = opts.to ?? store.tip();
  const max = opts.maxViolations ?? 10_000;
  const report: VerifyReport = { ok: true, commits: 0, records: 0, from: opts.from, to, shallow: false, violations: [] };
  if (!to) return report;
  // The commits git lists in `shallow` are the only ones whose parents may be absent. Any other
  // missing object is damage (or a deletion meant to cut the checked history short).
  const shallow = store.shallowCommits();
  // Newest first, as git packs objects: the newest version of a tree is stored whole and older ones
  // as deltas against it, so this order resolves each delta from a base still in the pack's cache
  // (oldest first cost twice the inflating). Each commit is read once, straight from its bytes
  // rather than through the object store's cache, which a long history would only fill and evict:
  // its parent, read for the diff, is the next step's commit.
  const readCommit = (oid: string) => o.commit(oid);
  // Violations per commit, newest first; only the oldest `max` are kept, as an oldest-first walk
  // that stops collecting would report.
  const groups: Violation[][] = [];
  let kept = 0;
  let dropped = 0;
  const keep = (mine: Violation[]) => {
    if (mine.length === 0) return;
    groups.push(mine);
    kept += mine.length;
    while (groups.length > 1 && kept - groups[dropped]!.length >= max) {
      kept -= groups[dropped]!.length;
      groups[dropped++] = [];
    }
  };
  // A missing tree is met again by the next commit's diff: each missing object is reported once.
  const reportedMissing = new Set<string>();
  const missing = (mine: Violation[], commit: string, oid: string, message: string, path = '') => {
    if (reportedMissing.has(oid)) return;
    reportedMissing.add(oid);
    mine.push({ commit, path, kind: 'missing-object', message });
  };
  const merge = (mine: Violation[], commit: string, parents: string[]) => {
    mine.push({ commit, path: '', kind: 'merge-commit', message: `commit ${commit} has ${parents.length} parents (${parents.map((p) => p.slice(0, 12)).join(', ')}); a meta history is one chain of single-parent commits, and a merge can join a forged history to the real one` });
  };
  // Parents beyond the first of every merge, walked once the first-parent chain is done; from the
  // first merge on, the chain's commits are remembered so that walk stops where it rejoins it.
  const sideParents: { parent: string; child: string }[] = [];
  const onChain = new Set<string>();
  let mainRoot: string | undefined;
  let c: string | undefined = to;
  let commit = c !== opts.from ? readCommit(to) : undefined;
  if (c !== opts.from && !commit) keep([{ commit: to, path: '', kind: 'missing-object', message: `commit ${to} is missing from the repository; restore it from another clone` }]);
  while (c !== undefined && commit) {
    const mine: Violation[] = [];
    const first = commit.parents[0];
    if (commit.parents.length > 1) {
      merge(mine, c, commit.parents);
      for (const p of commit.parents.slice(1)) sideParents.push({ parent: p, child: c });
    }
    if (sideParents.length > 0) onChain.add(c);
    let parent: ReturnType<typeof readCommit>;
    if (first !== undefined) {
      parent = readCommit(first);
      if (!parent) {
        // Only a commit git lists in `shallow` may lack its parent: there the checked history starts
        // (its whole tree checked as if it were the first commit). Elsewhere objects were lost.
        if (shallow.has(c)) report.shallow = true;
        else missing(mine, c, first, `the parent ${first} of commit ${c} is missing from the repository (not a shallow clone's boundary), so the history before it cannot be checked; restore the objects from another clone`);
      }
    } else if (c !== opts.from) {
      mainRoot = c;
    }
    const changes: Change[] = [];
    let complete = true;
    try {
      o.diff(parent?.tree, commit.tree, changes);
    } catch (e) {
      const oid = missingOid(e);
      if (!oid) throw e;
      missing(mine, c, oid, `object ${oid} (a tree of commit ${c} or of its parent) is missing from the repository; restore it from another clone`);
      complete = false;
    }
    report.commits++;
    if (complete && changes.length > 0) {
      try {
        checkCommit({ walk: o, root: commit.tree }, c, changes, (v) => mine.push(v), report);
      } catch (e) {
        const oid = missingOid(e);
        if (!oid) throw e;
        missing(mine, c, oid, `object ${oid} (a tree of commit ${c}) is missing from the repository; restore it from another clone`);
      }
    }
    keep(mine);
    if (first === undefined || first === opts.from || !parent) break;
    c = first;
    commit = parent;
  }
  if (opts.from && mainRoot && sideParents.length === 0) {
    throw new MetaError('INVALID_ARGUMENT', `--from ${opts.from} is not on the first-parent history of ${to}; give an older commit of this branch`, { from: opts.from, to });
  }
  if (sideParents.length > 0 && opts.from && !mainRoot) {
    // The range starts after `from`, but whether a joined history is a second one depends on the
    // chain below it too: follow it (parents only) to its root.
    for (let b: string | undefined = opts.from; b && !onChain.has(b); ) {
      onChain.add(b);
      const bc = readCommit(b);
      if (!bc) break;
      if (bc.parents.length === 0) mainRoot = b;
      b = bc.parents[0];
    }
  }
  const sideRoots = sideParents.length > 0 ? walkJoined(sideParents, onChain, { readCommit, shallow, keep, missing, merge }) : [];
  // Which root is the intruder cannot be told from the graph (commit times are whatever the writer
  // chose), so when there are several, each one is reported beside the merge that joined them.
  const roots = mainRoot ? [mainRoot, ...sideRoots] : sideRoots;
  if (roots.length > (mainRoot ? 1 : 0)) {
    for (const r of roots) {
      const others = roots.filter((x) => x !== r).map((x) => x.slice(0, 12));
      keep([{
        commit: r, path: '', kind: 'new-root',
        message: `commit ${r} has no parent, ${others.length > 0 ? `and neither ${others.length > 1 ? 'have' : 'has'} ${others.join(', ')}` : 'yet it is not the first commit of this history'}: a history has one first commit, so a second history was joined to this one`,
      }]);
    }
  }
  for (let g = groups.length - 1; g >= 0 && report.violations.length < max; g--) {
    for (const v of groups[g]!) if (report.violations.length < max) report.violations.push(v);
  }
  report.ok = report.violations.length === 0;
  return report;
}

/**
 * Walks the histories that merges joined to the first-parent chain (every parent, no diffs), down
 * to where they rejoin the chain: returns their roots, reports their merges and
 * their missing commits (a commit listed in `shallow` may lack its parents).
 */
function walkJoined(
  start: { parent: string; child: string }[],
  onChain: Set<string>,
  h: {
    readCommit: (oid: string) => Commit | undefined;
    shallow: ReadonlySet<string>;
    keep: (mine: Violation[]) => void;
    missing: (mine: Violation[], commit: string, oid: string, message: string) => void;
    merge: (mine: Violation[], commit: string, parents: string[]) => void;
  },
): string[] {
  const roots: string[] = [];
  const seen = new Set<string>(onChain);
  const todo = [...start];
  while (todo.length > 0) {
    const { parent: c, child } = todo.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    const mine: Violation[] = [];
    const commit = h.readCommit(c);
    if (!commit) {
      if (!h.shallow.has(child)) h.missing(mine, child, c, `the parent ${c} of commit ${child} is missing from the repository (not a shallow clone's boundary); restore the objects from another clone`);
    } else if (commit.parents.length === 0) {
      roots.push(c);
    } else {
      if (commit.parents.length > 1) h.merge(mine, c, commit.parents);
      for (const p of commit.parents) todo.push({ parent: p, child: c });
    }
    h.keep(mine);
  }
  return roots;
}

/**
 * The tree of the commit being checked, looked up in the raw trees the diff just read: the paths a
 * record refers to share their folders with it, so a lookup rarely reads a tree (a parsed
 * Snapshot read and parsed every tree on the way a second time).
 */
interface At {
  walk: HistoryWalk;
  root: string;
}

function entryAt(at: At, path: string): string | undefined {
  return at.walk.entry(at.root, path);
}

function missingBlob(commit: string, path: string, oid: string): Violation {
  return { commit, path, kind: 'missing-object', message: `${path} (blob ${oid}) is missing from the repository; restore it from another clone` };
}

function checkCommit(snap: At, commit: string, changes: Change[], add: (v: Violation) => void, report: VerifyReport): void {
  const addedByOid = new Map<string, string[]>();
  for (const ch of changes) if (ch.status === 'A') addedByOid.set(ch.oid, [...(addedByOid.get(ch.oid) ?? []), ch.path]);
  const renamedTo = new Set<string>();
  for (const ch of changes) {
    // A changed settings file (added files are checked below).
    if (ch.status !== 'D' && ch.status !== 'A' && isMutableSetting(ch.path) && !snap.walk.has(ch.oid)) add(missingBlob(commit, ch.path, ch.oid));
    if (ch.status === 'A' || isMutableSetting(ch.path)) continue;
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
    if (!kind) {
      // Settings, hooks, SOPS secrets: not protobuf records, but their bytes must be there.
      if (!snap.walk.has(ch.oid)) add(missingBlob(commit, ch.path, ch.oid));
      continue;
    }
    report.records++;
    checkRecord(snap, commit, ch.path, ch.oid, cls, kind, add);
  }
}

function checkRecord(snap: At, commit: string, path: string, oid: string, cls: PathClass, kind: RecordKind, add: (v: Violation) => void): void {
  if (cls.type === 'promotion' || cls.type === 'pipeline' || cls.type === 'config' || cls.type === 'flags') {
    // From the path alone, so a record that does not even decode still shows the gap.
    const seq = cls.sequence;
    if (seq < 1 || (seq > 1 && entryAt(snap, sequencedPath(cls, seq - 1)!) === undefined)) {
      const what = cls.type === 'promotion' ? `channel ${cls.channel}` : cls.type === 'flags' ? `the flags of ${cls.channel}` : cls.type === 'config' ? 'a config layer' : 'the pipeline';
      add({ commit, path, kind: 'sequence-gap', message: `${what} of ${cls.project} jumps to ${seq} without ${seq - 1}` });
    }
    if (sequencedPath(cls, seq) !== path) add({ commit, path, kind: 'path-mismatch', message: `${path}: sequence ${seq} is in the wrong shard` });
  }
  let rec;
  const raw = snap.walk.tryRead(oid);
  if (!raw) {
    add(missingBlob(commit, path, oid));
    return;
  }
  try {
    if (raw.type !== 'blob') snap.walk.read(oid, 'blob');
    rec = decodeAs(kind, raw.data, { path, commit, oid });
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
    case 'yank': {
      const r = rec as { project: string; release: { githash: string; version: string } };
      if (r.project !== cls.project || r.release.version !== cls.version) mismatch(`yank record is for ${r.project} ${r.release.version}`);
      if (yankPath(cls.project, cls.version) !== path) mismatch('yank is in the wrong shard');
      refTo(releasePath(cls.project, cls.version), r.release.githash, 'release');
      break;
    }
    case 'promotion': {
      const r = rec as { project: string; channel: string; sequence: number; release: { githash: string; version: string }; previousPromotion: string };
      const seq = cls.sequence;
      if (r.project !== cls.project || r.channel !== cls.channel) mismatch(`channel record is for ${r.project} ${r.channel}`);
      if (r.sequence !== seq) {
        add({ commit, path, kind: r.sequence < seq && entryAt(snap, promotionPath(cls.project, cls.channel, r.sequence)) !== undefined ? 'sequence-repeat' : 'path-mismatch', message: `${path} holds sequence ${r.sequence}` });
      }
      if (r.release.githash) refTo(releasePath(cls.project, r.release.version), r.release.githash, `release ${r.release.version}`);
      if (r.previousPromotion) refTo(promotionPath(cls.project, cls.channel, seq - 1), r.previousPromotion, 'previous promotion');
      break;
    }
    case 'pipeline':
    case 'config':
    case 'flags': {
      const r = rec as { project: string; sequence: number; environment?: string; channel?: string };
      if (r.project !== cls.project) mismatch(`${kind} record is for ${r.project}`);
      if (cls.type !== 'pipeline' && r.channel !== cls.channel) mismatch(`${kind} record is for channel '${r.channel}'`);
      if (cls.type === 'config' && r.environment !== cls.env) mismatch(`config record is for environment '${r.environment}'`);
      if (r.sequence !== cls.sequence) add({ commit, path, kind: 'path-mismatch', message: `${path} holds sequence ${r.sequence}` });
      break;
    }
    case 'approval':
    case 'verification':
    case 'gate': {
      const r = rec as { project: string; channel: string; release: { githash: string; version: string } };
      if (r.project !== cls.project || r.release.version !== cls.version || r.channel !== cls.channel) {
        mismatch(`${kind} record is for ${r.project} ${r.release.version} on ${r.channel}`);
      }
      refTo(releasePath(cls.project, cls.version), r.release.githash, 'release');
      break;
    }
    case 'location': {
      const r = rec as { project: string; release: { githash: string; version: string }; platform: { os: string; arch: string; variant: string } };
      const plat = [r.platform.os, r.platform.arch, r.platform.variant].filter(Boolean).join('/');
      if (r.project !== cls.project || r.release.version !== cls.version || plat !== cls.platform) mismatch(`location record is for ${r.project} ${r.release.version} ${plat}`);
      refTo(releasePath(cls.project, cls.version), r.release.githash, 'release');
      break;
    }
    default:
      break;
  }
}

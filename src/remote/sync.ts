import { MetaError } from '../errors/MetaError.js';
import { chainUntil, isSingleParentAncestor } from '../store/ancestry.js';
import type { RefUpdateOptions } from '../store/RefLock.js';
import type { AppendFile, AppendPlanner, AppendResult, Repository, StoreTransport } from '../store/Repository.js';
import type { Change } from '../store/diffTrees.js';
import { writePack } from '../store/writePack.js';
import { credentialsFor, stripUserinfo } from './credentials.js';
import { fetchBranch } from './fetchBranch.js';
import { objectsToSend } from './objectsToSend.js';
import { remoteUrl } from './remoteConfig.js';
import { advertisedRefs, receivePack, type ReceiveResult, type RemoteTarget } from './smartHttp.js';
import { backoffMs, pause } from '../util/pause.js';
import { isMutableSetting } from '../verify/isMutableSetting.js';
import { verifyHistory } from '../verify/verifyHistory.js';

/** A configured remote, resolved: URL without credentials, credentials from the environment. */
export interface RemoteHandle {
  name: string;
  /** The branch both sides use (the local HEAD's branch). */
  branch: string;
  target: RemoteTarget;
}

export interface SyncOptions extends RefUpdateOptions {
  /** Bounded attempts when the remote keeps moving (default 20). */
  maxAttempts?: number;
  /** First backoff step in ms (doubles per attempt, full jitter, capped at 2 s; default 50). */
  backoffMs?: number;
}

export type SyncStatus = 'up-to-date' | 'fast-forward' | 'ahead' | 'replayed' | 'rewritten' | 'remote-empty';

export interface SyncResult {
  status: SyncStatus;
  /** Local branch tip before and after. */
  before: string | undefined;
  after: string | undefined;
  /** The remote's tip as fetched. */
  remote: string | undefined;
  /** Local-only commits re-applied on the remote tip. */
  replayed: number;
}

/**
 * Resolves a remote by name from the repository config; credentials come from `env`.
 *
 * @example
 * const h = openRemote(repo, process.env); // origin
 */
export function openRemote(store: Pick<Repository, 'readConfig' | 'branchRef'>, env: Record<string, string | undefined>, name = 'origin'): RemoteHandle {
  const clean = stripUserinfo(remoteUrl(store, name));
  return { name, branch: store.branchRef.replace(/^refs\/heads\//, ''), target: { url: clean.url, credentials: credentialsFor(clean.url, env, clean.credentials) } };
}

const trackingRef = (h: RemoteHandle) => `refs/remotes/${h.name}/${h.branch}`;

/** The remote-tracking ref is a hint (the last remote tip we accepted), set under git's lock. */
function writeTracking(store: StoreTransport, h: RemoteHandle, oid: string | undefined): Promise<void> {
  return store.setRef(trackingRef(h), oid);
}

/** Learns the remote tip (one cheap GET) and fetches only when we lack it. */
async function remoteTip(store: StoreTransport, h: RemoteHandle, service: 'git-upload-pack' | 'git-receive-pack'): Promise<string | undefined> {
  const adv = await advertisedRefs(h.target, service);
  let tip = adv.refs.get(`refs/heads/${h.branch}`);
  if (tip && !store.objects.has(tip)) {
    // The upload-pack advertisement serves the fetch too: one round trip fewer.
    const advertisement = service === 'git-upload-pack' ? adv : undefined;
    tip = (await fetchBranch(store, h.target, { remote: h.name, branch: h.branch, advertisement })) ?? tip;
  }
  return tip;
}

const short = (c: string | undefined) => (c ? c.slice(0, 12) : 'nothing');

/**
 * Brings the local branch level with the remote tip `remote`. `seen` is the last remote tip we
 * accepted (the remote-tracking ref before this fetch): a remote tip whose single-parent chain does
 * not contain it means the remote's history was rewritten, an old tip is served again, or a merge
 * joined another history to it, and is refused. "Descends" below always means along that chain
 * (see isSingleParentAncestor): a merge or a second root is never a fast-forward.
 * - local behind: fast-forward (compare-and-swap, so a concurrent local writer is never lost);
 * - local ahead: nothing to do (unpushed commits);
 * - diverged because local commits were made on `seen` while the remote moved on: with `replay`,
 *   their files are re-applied as fresh commits on the remote tip (record paths are unique, so
 *   they do not conflict); without, CONFLICT;
 * - anything else: HISTORY_REWRITTEN, naming both commits.
 */
async function integrate(store: StoreTransport, h: RemoteHandle, remote: string | undefined, seen: string | undefined, mode: { replay: boolean; allowRewrite: boolean }, opts: RefUpdateOptions): Promise<SyncResult> {
  const before = store.tip();
  if (!remote) return { status: 'remote-empty', before, after: before, remote, replayed: 0 };
  const o = store.objects;
  const isAncestor = (a: string, d: string) => isSingleParentAncestor(o, a, d);
  if (seen && seen !== remote && !isAncestor(seen, remote) && !mode.allowRewrite) {
    throw new MetaError('HISTORY_REWRITTEN', `remote '${h.name}' moved ${h.branch} from ${seen} to ${remote}, whose single-parent chain does not contain it: its history was rewritten, an old tip is served again, or a merge or a new root commit was added. Nothing changed locally; if the rewrite is intended, run 'meta pull --allow-rewrite'`, { remote: h.name, previous: seen, remoteTip: remote, local: before });
  }
  if (!mode.allowRewrite) assertAppendOnly(store, h, [seen, before], remote);
  for (let i = 0; i < 100; i++) {
    const local = store.tip();
    if (local === remote) return { status: 'up-to-date', before, after: local, remote, replayed: 0 };
    if (!local || isAncestor(local, remote)) {
      if (await store.compareAndSwapRef(store.branchRef, local, remote, opts)) return { status: 'fast-forward', before, after: remote, remote, replayed: 0 };
      continue;
    }
    if (isAncestor(remote, local)) return { status: 'ahead', before, after: local, remote, replayed: 0 };
    if (mode.allowRewrite) {
      // The replaced history stays reachable (and out of gc's reach) under refs/meta/.
      await store.setRef('refs/meta/before-rewrite', local, opts);
      if (await store.compareAndSwapRef(store.branchRef, local, remote, opts)) return { status: 'rewritten', before, after: remote, remote, replayed: 0 };
      continue;
    }
    const legit = seen !== undefined && isAncestor(seen, local) && isAncestor(seen, remote);
    if (!legit) {
      throw new MetaError('HISTORY_REWRITTEN', `local ${h.branch} is at ${local} and the tip of remote '${h.name}' (${remote}) does not descend from it along a single chain of commits: one of the two histories was rewritten, or a merge or a new root commit was added. Nothing changed; compare them with 'git log', and if the remote is right run 'meta pull --allow-rewrite' (your tip stays under refs/meta/before-rewrite)`, { remote: h.name, local, remoteTip: remote, previous: seen });
    }
    const mine = chainUntil(o, local, (c) => isAncestor(c, remote));
    if (!mode.replay) {
      throw new MetaError('CONFLICT', `your ${h.branch} has ${mine.length} commit(s) that are not on remote '${h.name}', and the remote moved on to ${short(remote)}; run 'meta push', which re-applies them on the remote tip`, { remote: h.name, local, remoteTip: remote, unpushed: mine });
    }
    const next = await replay(store, mine, remote);
    if (await store.compareAndSwapRef(store.branchRef, local, next, opts)) return { status: 'replayed', before, after: next, remote, replayed: mine.length };
  }
  throw new MetaError('CONFLICT', `the local branch kept moving while integrating remote '${h.name}'; try again`, { remote: h.name });
}

/**
 * Checks the commits a pull would bring in (those after the newest of `bases` the remote tip
 * descends from) with `verify`'s rules. Ancestry alone lets a one-parent commit that modifies or
 * deletes a record through; a guarded remote's hook refuses such a push, but a follower cannot
 * know that its remote is guarded, nor that nobody wrote to it past the hook.
 */
function assertAppendOnly(store: StoreTransport, h: RemoteHandle, bases: (string | undefined)[], remote: string): void {
  const from = bases.find((b) => b !== undefined && b !== remote && isSingleParentAncestor(store.objects, b, remote));
  if (!from) return; // nothing accepted yet to measure against (a first fetch), or nothing new
  const r = verifyHistory(store, { from, to: remote, maxViolations: 20 });
  if (r.ok) return;
  const v = r.violations[0]!;
  throw new MetaError('VERIFY_FAILED', `remote '${h.name}' moved ${h.branch} to ${remote}, whose new commits break the append-only contract (${r.violations.length} violation(s); the first: ${[v.kind, v.path].filter(Boolean).join(' ')} at ${v.commit}). Nothing changed locally; run 'meta verify --from ${from} --to ${remote}' to see them all`, { remote: h.name, remoteTip: remote, from, violations: r.violations });
}

/**
 * Re-applies the files each local commit added (and settings it changed) as fresh commits on
 * `base`, keeping message, author and time. A file the base already holds with the same bytes is
 * skipped; with different bytes (two writers took one channel sequence) it is a CONFLICT.
 */
async function replay(store: StoreTransport, commits: string[], base: string): Promise<string> {
  const o = store.objects;
  const walk = store.walkHistory();
  let tip = base;
  for (const c of commits) {
    const commit = o.readCommit(c);
    const parent = commit.parents[0];
    const changes: Change[] = [];
    walk.diff(parent ? o.readCommit(parent).tree : undefined, commit.tree, changes);
    const at = store.snapshot(c);
    const onto = store.snapshot(tip);
    const files: AppendFile[] = [];
    for (const ch of changes) {
      const isSetting = isMutableSetting(ch.path);
      if (ch.status !== 'A' && !isSetting) {
        throw new MetaError('INTEGRITY', `local commit ${c} ${ch.status === 'D' ? 'deletes' : 'modifies'} ${ch.path}; records are immutable, so it cannot be pushed. Inspect it with 'git show ${c.slice(0, 12)}'`, { commit: c, path: ch.path });
      }
      if (ch.status === 'D') continue;
      const existing = onto.entry(ch.path);
      if (existing && existing.oid === ch.oid) continue;
      if (existing && !isSetting) {
        throw new MetaError('CONFLICT', `your unpushed commit ${c.slice(0, 12)} adds ${ch.path}, which the remote meanwhile wrote with other content (two writers took the same name or channel sequence); re-run that command on the current tip ('meta pull --allow-rewrite' drops the local commit)`, { commit: c, path: ch.path });
      }
      files.push({ path: ch.path, data: o.read(ch.oid, 'blob').data, replace: isSetting && existing !== undefined, executable: at.entry(ch.path)?.mode === '100755' });
    }
    if (files.length === 0) continue;
    const a = commit.author;
    const built = await store.commitOn(tip, () => ({ files, message: commit.message }), { actor: `${a.name} <${a.email}>`, time: new Date(a.timestamp * 1000) });
    tip = built.commit;
  }
  return tip;
}

/**
 * `meta pull`: fetch (only when the remote tip moved) and fast-forward. Refuses a remote tip whose
 * single-parent chain does not contain the last one accepted or the local tip (HISTORY_REWRITTEN,
 * both commits named) unless `allowRewrite`.
 *
 * @example
 * const r = await pullRemote(repo.transport(), openRemote(repo, process.env));
 */
export async function pullRemote(store: StoreTransport, h: RemoteHandle, opts: SyncOptions & { allowRewrite?: boolean } = {}): Promise<SyncResult> {
  const seen = store.readRef(trackingRef(h));
  const tip = await remoteTip(store, h, 'git-upload-pack');
  try {
    const res = await integrate(store, h, tip, seen, { replay: false, allowRewrite: opts.allowRewrite === true }, opts);
    await writeTracking(store, h, tip);
    return res;
  } catch (e) {
    // The fetch already moved the tracking ref: put back the last tip we accepted, so the refusal holds next time too.
    await writeTracking(store, h, seen);
    throw e;
  }
}

export interface PushOutcome extends SyncResult {
  /** What the remote's branch holds now. */
  pushed: string | undefined;
  attempts: number;
  /** What the server's hooks printed. */
  messages: string[];
}

function backoff(attempt: number, opts: SyncOptions): Promise<void> {
  return pause(backoffMs(attempt, { baseMs: opts.backoffMs ?? 50, capMs: 2000, jitter: true }));
}

/** After a rejected update: retry when the remote moved meanwhile, else the rejection is final. */
async function checkRejection(h: RemoteHandle, res: ReceiveResult, expected: string | undefined, pushed: string): Promise<void> {
  const now = (await advertisedRefs(h.target, 'git-receive-pack')).refs.get(`refs/heads/${h.branch}`);
  if (now !== expected) return;
  const reasons = [...res.rejected].map(([ref, why]) => `${ref === '*' ? 'unpack' : ref}: ${why}`).join('; ');
  // One line, as git push shows it: the hook's own words after the reason.
  throw new MetaError('REMOTE', `remote '${h.name}' rejected ${pushed.slice(0, 12)} for ${h.branch} (${reasons})${res.messages.length ? `: ${res.messages.map((m) => `remote: ${m.trim()}`).join(' | ')}` : ''}`, { remote: h.name, commit: pushed, rejected: Object.fromEntries(res.rejected), messages: res.messages });
}

/** One caller of {@link pushLoop}: what to push once local is level with the remote, and what an accepted push returns. */
interface PushStep<T> {
  /** The commit to push onto the remote's `tip`, or `done` when there is nothing to push. */
  prepare(tip: string | undefined, sync: SyncResult, attempt: number): Promise<{ commit: string } | { done: T }>;
  /** The answer once the remote's branch holds `commit`. */
  accepted(commit: string, res: ReceiveResult, sync: SyncResult, attempt: number): Promise<T>;
  /** Said when the attempts run out ('' or a sentence ending in '; '). */
  exhausted: string;
}

/**
 * The push loop of {@link pushRemote} and {@link appendAndPush}: learn the remote tip (fetching
 * what we lack), bring the local branch level with it (re-applying local-only commits), push what
 * `step` prepares with the remote's compare-and-swap, and when another writer won, retry while
 * the remote keeps moving, with exponential backoff and jitter, at most `maxAttempts` times.
 */
async function pushLoop<T>(store: StoreTransport, h: RemoteHandle, opts: SyncOptions, step: PushStep<T>): Promise<T> {
  const max = opts.maxAttempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    const seen = store.readRef(trackingRef(h));
    const tip = await remoteTip(store, h, 'git-receive-pack');
    const sync = await integrate(store, h, tip, seen, { replay: true, allowRewrite: false }, opts);
    const next = await step.prepare(tip, sync, attempt);
    if ('done' in next) return next.done;
    const pack = writePack(objectsToSend(store.objects, next.commit, tip).map((oid) => store.objects.read(oid)));
    const res = await receivePack(h.target, [{ ref: `refs/heads/${h.branch}`, old: tip, new: next.commit }], pack);
    if (res.ok) {
      await writeTracking(store, h, next.commit);
      return step.accepted(next.commit, res, sync, attempt);
    }
    await checkRejection(h, res, tip, next.commit);
    if (attempt >= max) throw new MetaError('CONFLICT', `remote '${h.name}' kept moving during ${attempt} push attempts; ${step.exhausted}try again`, { remote: h.name, attempts: attempt });
    await backoff(attempt, opts);
  }
}

/**
 * `meta push`: sends local commits the remote lacks. When the remote moved on, local-only commits
 * are re-applied on its tip first (fresh commits, same files), then pushed; bounded attempts with
 * exponential backoff and jitter.
 *
 * @example
 * const r = await pushRemote(repo.transport(), openRemote(repo, process.env));
 */
export function pushRemote(store: StoreTransport, h: RemoteHandle, opts: SyncOptions = {}): Promise<PushOutcome> {
  return pushLoop<PushOutcome>(store, h, opts, {
    exhausted: '',
    async prepare(tip, sync, attempt) {
      const local = store.tip();
      if (!local) throw new MetaError('NOT_FOUND', 'the local repository has no commits to push', {});
      if (local !== tip) return { commit: local };
      await writeTracking(store, h, tip);
      return { done: { ...sync, status: sync.status === 'remote-empty' ? 'up-to-date' : sync.status, pushed: tip, attempts: attempt, messages: [] } };
    },
    async accepted(commit, res, sync, attempt) {
      return { ...sync, after: commit, pushed: commit, attempts: attempt, messages: res.messages };
    },
  });
}

/**
 * Appends through the remote: plans on the remote's tip, pushes the commit, and moves the local
 * branch only once the remote accepted it. On a rejection (another writer pushed first) it
 * fetches, RE-PLANS on the new tip (channel sequences renumber, `--expect` is checked again and
 * may fail with CONFLICT) and tries again with exponential backoff and jitter.
 *
 * The local branch therefore never holds a commit that lost a push: a losing commit stays an
 * unreferenced object (git gc drops it), and the branch ends at the remote commit that won, or
 * at a descendant of it when another local writer appended meanwhile (its commits re-applied).
 *
 * @example
 * await appendAndPush(repo.transport(), openRemote(repo, process.env), plan, { actor: 'ci' });
 */
export function appendAndPush(
  store: StoreTransport,
  h: RemoteHandle,
  plan: AppendPlanner,
  opts: SyncOptions & { actor: string; time?: Date | (() => Date) },
): Promise<AppendResult & { pushAttempts: number }> {
  let base: string | undefined;
  let built: Omit<AppendResult, 'attempts'> | undefined;
  return pushLoop(store, h, opts, {
    exhausted: 'nothing was written; ',
    async prepare() {
      base = store.tip();
      built = await store.commitOn(base, plan, opts);
      return { commit: built.commit };
    },
    async accepted(commit, _res, _sync, attempt) {
      await integrate(store, h, commit, base, { replay: true, allowRewrite: false }, opts);
      return { ...built!, attempts: attempt, pushAttempts: attempt };
    },
  });
}

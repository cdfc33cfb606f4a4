import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import type { Label } from '../records/types.js';
import { NothingToWrite } from '../store/NothingToWrite.js';
import type { AppendFile, AppendOptions, AppendPlan, AppendPlanner, AppendResult, Repository } from '../store/Repository.js';
import { assertRepoPath } from '../store/assertRepoPath.js';

type PlanFn = AppendPlanner;

interface Item {
  plan: PlanFn;
  /** The commit author: one commit holds the writes of one actor only. */
  actor: string;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: AppendPlan } | { error: unknown } | { deferred: true };

export interface GroupCommitterOptions {
  /** Commit author of writes enqueued without an actor of their own. */
  actor: string;
  /** Commit time source (default: the system clock). */
  clock?: () => Date;
  /** How a combined plan is appended (default `store.append`; `meta serve --remote`: append and push). */
  append?: (plan: PlanFn, opts: AppendOptions) => Promise<AppendResult>;
  /** Most writes in one commit. */
  maxBatch?: number;
  /** Called after every commit that landed (metrics, waking event streams). */
  onCommit?: (info: { commit: string; writes: number; files: number }) => void;
}

/**
 * Group commit: writes that arrive while a commit is in flight queue up and land together in
 * the next one. Each write is an ordinary append plan (what `writeRecords` gives `Store.append`),
 * so every API function (`recordRelease`, `promote`, `reportInstance`…) runs unchanged through
 * `repoFor(repo)`. Each caller's promise settles only after the commit holding its files moved
 * the ref (durably); a plan that throws fails only its own caller; two plans that want the same
 * path (two promotions of one channel) are split over consecutive commits, so the second re-plans
 * on top of the first.
 *
 * @example
 * const gc = new GroupCommitter(repo.store, { actor: 'meta serve' });
 * await Promise.all(hosts.map((host) => reportInstance(gc.repoFor(repo), { project, host, env: 'prod', status: 'running' })));
 */
export class GroupCommitter {
  private queue: Item[] = [];
  private running = false;
  private readonly maxBatch: number;
  private idleWaiters: (() => void)[] = [];
  commits = 0;
  writes = 0;

  constructor(private readonly store: Repository, private readonly opts: GroupCommitterOptions) {
    this.maxBatch = opts.maxBatch ?? 1000;
  }

  /**
   * Queues one append plan; resolves with that plan's share of the commit that landed it. The
   * commit's author is `actor`: writes of different actors never share a commit, so `git log`
   * names who wrote each one.
   */
  enqueue(plan: PlanFn, actor: string = this.opts.actor): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ plan, actor, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /**
   * A MetaRepo whose appends go through this committer (reads go to the same store), written by
   * `actor` (record headers and commit author), with `recordLabels` added to every record header.
   */
  repoFor(repo: MetaRepo, actor: string = repo.actor, recordLabels?: Label[]): MetaRepo {
    const store = Object.create(this.store) as Repository;
    (store as { append: Repository['append'] }).append = (plan: PlanFn, opts: AppendOptions) => this.enqueue(plan, opts.actor);
    // One shared log index, not one per proxy (it caches derived history).
    (store as { log: Repository['log'] }).log = () => this.store.log();
    // Writes through the proxy stay in this committer (pushPolicy false); `meta serve --remote`
    // pushes each group commit itself.
    return { ...repo, store, actor, ...(recordLabels ? { recordLabels } : {}), pushPolicy: false };
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // Appends are synchronous file I/O: without yielding to the event loop here, requests that
        // arrive while a commit is written would never be read before the next one, and every
        // write would get its own commit.
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
        const batch = this.takeBatch();
        const deferred = await this.commitBatch(batch);
        this.queue.unshift(...deferred);
      }
    } finally {
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** Up to maxBatch queued items of the first item's actor, in queue order; the rest stay queued. */
  private takeBatch(): Item[] {
    const actor = this.queue[0]!.actor;
    const batch: Item[] = [];
    const rest: Item[] = [];
    for (const item of this.queue) (item.actor === actor && batch.length < this.maxBatch ? batch : rest).push(item);
    this.queue = rest;
    return batch;
  }

  /** Commits one batch (all of one actor); returns the items to retry in the next commit. */
  private async commitBatch(batch: Item[]): Promise<Item[]> {
    let outcomes = new Map<Item, Outcome>();
    let res: AppendResult;
    try {
      const append = this.opts.append ?? ((plan: PlanFn, o: AppendOptions) => this.store.append(plan, o));
      res = await append(async (snap) => {
        outcomes = new Map();
        const used = new Set<string>();
        const files: AppendFile[] = [];
        const messages: string[] = [];
        for (const item of batch) {
          let p: AppendPlan;
          try {
            p = await item.plan(snap);
            for (const f of p.files) {
              assertRepoPath(f.path);
              if (!f.replace && snap.exists(f.path)) throw new MetaError('ALREADY_EXISTS', `${f.path} already exists; records are immutable`, { path: f.path });
            }
          } catch (e) {
            outcomes.set(item, { error: e });
            continue;
          }
          if (p.files.some((f) => used.has(f.path))) {
            outcomes.set(item, { deferred: true });
            continue;
          }
          for (const f of p.files) used.add(f.path);
          files.push(...p.files);
          messages.push(p.message);
          outcomes.set(item, { ok: p });
        }
        // Every plan failed, wanted nothing or must wait for the next commit.
        if (files.length === 0) throw new NothingToWrite(undefined);
        const message = messages.length === 1 ? messages[0]! : `group commit: ${messages.length} writes\n\n${messages.map((m) => `- ${m.split('\n', 1)[0]}`).join('\n')}\n`;
        return { files, message };
      }, { actor: batch[0]!.actor, time: this.opts.clock ?? (() => new Date()) });
    } catch (e) {
      if (e instanceof NothingToWrite) return this.settleWithout(batch, outcomes);
      if (batch.length > 1) {
        // The combined commit failed for a reason no single plan reported (e.g. a path clash
        // with a directory): commit them one by one, so only the culprit fails.
        const again: Item[] = [];
        for (const item of batch) again.push(...(await this.commitBatch([item])));
        return again;
      }
      batch[0]!.reject(e);
      return [];
    }
    const oids = new Map(res.files.map((f) => [f.path, f.oid]));
    let writes = 0;
    const retry: Item[] = [];
    for (const item of batch) {
      const o = outcomes.get(item)!;
      if ('ok' in o) {
        writes++;
        item.resolve({ commit: res.commit, parent: res.parent, attempts: res.attempts, plan: o.ok, files: o.ok.files.map((f) => ({ path: f.path, oid: oids.get(f.path)! })) });
      } else if ('error' in o) item.reject(o.error);
      else retry.push(item);
    }
    this.commits++;
    this.writes += writes;
    this.opts.onCommit?.({ commit: res.commit, writes, files: res.files.length });
    return retry;
  }

  private settleWithout(batch: Item[], outcomes: Map<Item, Outcome>): Item[] {
    const retry: Item[] = [];
    for (const item of batch) {
      const o = outcomes.get(item);
      if (o && 'error' in o) item.reject(o.error);
      else retry.push(item);
    }
    return retry;
  }
}

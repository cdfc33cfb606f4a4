import type { StoreTransport } from '../store/Repository.js';
import { advertisedRefs, type Advertisement, type RemoteTarget } from './smartHttp.js';
import { fetchPack } from './fetchPack.js';

export interface FetchOptions {
  /** Remote name: the fetched tip is recorded under `refs/remotes/<remote>/<branch>`. */
  remote: string;
  branch: string;
  /** Shallow fetch of the last N commits. */
  depth?: number;
  /** The upload-pack advertisement, when the caller already fetched it (saves one round trip). */
  advertisement?: Advertisement;
}

/** First-parent commits from the local tip we send as `have`s: the recent ones are what a fetch shares. */
const HAVE_WALK = 32;

/** The local tips, then recent first-parent ancestors of the branch, for the server to leave out. */
function localHaves(store: StoreTransport, tracking: string): string[] {
  const o = store.objects;
  const out = new Set<string>();
  const tips = [store.tip(), store.readRef(tracking)];
  for (const t of tips) if (t && o.has(t)) out.add(t);
  let c = tips[0];
  for (let i = 0; c && i < HAVE_WALK; i++) {
    if (!o.has(c)) break; // a shallow boundary's parent
    out.add(c);
    c = o.readCommit(c).parents[0];
  }
  return [...out];
}

/**
 * Fetches one branch over smart HTTP (our own upload-pack client and pack indexer) into the
 * repository's object directory, records the tip under `refs/remotes/<remote>/<branch>`, updates
 * the `shallow` list for `depth`, and makes the repository see the new pack. It never touches the
 * local branch: callers decide (fast-forward, refuse a rewrite) and move it by compare-and-swap.
 *
 * @returns the fetched tip, or undefined when the remote has no such branch.
 *
 * @example
 * const tip = await fetchBranch(repo.transport(), target, { remote: 'origin', branch: 'main' });
 */
export async function fetchBranch(store: StoreTransport, target: RemoteTarget, opts: FetchOptions): Promise<string | undefined> {
  const adv = opts.advertisement ?? (await advertisedRefs(target, 'git-upload-pack'));
  const tip = adv.refs.get(`refs/heads/${opts.branch}`);
  if (!tip) return undefined;
  const tracking = `refs/remotes/${opts.remote}/${opts.branch}`;
  if (!store.objects.has(tip) || opts.depth !== undefined) {
    const ourShallow = [...store.shallowCommits()];
    const res = await fetchPack(target, adv, { wants: [tip], haves: localHaves(store, tracking), depth: opts.depth, shallow: ourShallow }, store.packDestination());
    if (res.shallow.length || res.unshallow.length) {
      const gone = new Set(res.unshallow);
      store.setShallow([...new Set([...ourShallow, ...res.shallow])].filter((s) => !gone.has(s)).sort());
    }
    store.refreshPacks();
  }
  await store.setRef(tracking, tip);
  return tip;
}

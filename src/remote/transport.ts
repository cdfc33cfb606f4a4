import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readRef } from '../store/RefLock.js';
import type { Store } from '../store/Store.js';
import { advertisedRefs, type Advertisement, type RemoteTarget } from './smartHttp.js';
import { fetchPack } from './uploadPack.js';

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

function writeAtomic(path: string, text: string): void {
  nodeFs.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  nodeFs.writeFileSync(tmp, text);
  nodeFs.renameSync(tmp, path);
}

function readLines(path: string): string[] {
  try {
    return nodeFs.readFileSync(path, 'utf8').split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l));
  } catch {
    return [];
  }
}

/** The local tips, then recent first-parent ancestors of the branch, for the server to leave out. */
function localHaves(store: Store, tracking: string): string[] {
  const out = new Set<string>();
  const tips = [store.tip(), readRef(store.fs, store.gitdir, tracking)];
  for (const t of tips) if (t && store.objects.has(t)) out.add(t);
  let c = tips[0];
  for (let i = 0; c && i < HAVE_WALK; i++) {
    if (!store.objects.has(c)) break; // a shallow boundary's parent
    out.add(c);
    c = store.objects.readCommit(c).parents[0];
  }
  return [...out];
}

/**
 * Fetches one branch over smart HTTP (our own upload-pack client and pack indexer) into the
 * store's object directory, records the tip under `refs/remotes/<remote>/<branch>`, updates the
 * `shallow` file for `depth`, and makes the store see the new pack. It never touches the local
 * branch: callers decide (fast-forward, refuse a rewrite) and move it with compareAndSwapRef.
 *
 * @returns the fetched tip, or undefined when the remote has no such branch.
 */
export async function fetchBranch(store: Store, target: RemoteTarget, opts: FetchOptions): Promise<string | undefined> {
  const adv = opts.advertisement ?? (await advertisedRefs(target, 'git-upload-pack'));
  const tip = adv.refs.get(`refs/heads/${opts.branch}`);
  if (!tip) return undefined;
  const tracking = `refs/remotes/${opts.remote}/${opts.branch}`;
  const shallowPath = `${store.gitdir}/shallow`;
  if (!store.objects.has(tip) || opts.depth !== undefined) {
    const ourShallow = readLines(shallowPath);
    const res = await fetchPack(target, adv, { wants: [tip], haves: localHaves(store, tracking), depth: opts.depth, shallow: ourShallow }, `${store.gitdir}/objects/pack`);
    if (res.shallow.length || res.unshallow.length) {
      const gone = new Set(res.unshallow);
      const next = [...new Set([...ourShallow, ...res.shallow])].filter((s) => !gone.has(s)).sort();
      if (next.length) writeAtomic(shallowPath, `${next.join('\n')}\n`);
      else nodeFs.rmSync(shallowPath, { force: true });
    }
    store.objects.refreshPacks();
  }
  writeAtomic(`${store.gitdir}/${tracking}`, `${tip}\n`);
  return tip;
}

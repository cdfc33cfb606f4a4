import { MetaError } from '../errors/MetaError.js';
import { isErrno, type SyncFs } from '../store/fs.js';
import type { Repository } from '../store/Repository.js';
import { Store } from '../store/Store.js';
import { credentialsFor, stripUserinfo } from './credentials.js';
import { fetchBranch } from './fetchBranch.js';
import { addRemote } from './remoteConfig.js';
import { advertisedRefs } from './smartHttp.js';

export interface CloneOptions {
  fs: SyncFs;
  dir: string;
  url: string;
  env: Record<string, string | undefined>;
  /** Shallow clone of the last N commits. */
  depth?: number;
  /** Remote name (default `origin`). */
  remote?: string;
  /** Checks the fetched tip before the branch is moved onto it; a throw fails (and undoes) the clone. */
  checkTip?: (repository: Repository, tip: string) => void;
  /** fsync objects as well as refs in the new repository. */
  fsyncObjects?: boolean;
}

/**
 * Clones the remote's default branch into a new BARE repository, exactly like `meta init` makes
 * (our own config, no working tree), not a working-tree config (`bare = false`, `ignorecase`)
 * that a generic git clone would write. Credentials in the URL are used for this
 * clone only; the stored remote URL has none. A failed clone removes what it created. Every file
 * goes through `opts.fs`, so a clone into memory works as one onto the disk.
 *
 * @example
 * const { store, commit } = await cloneRepository({ fs, dir: '/srv/meta', url, env: process.env });
 */
export async function cloneRepository(opts: CloneOptions): Promise<{ store: Repository; branch: string; commit: string; remote: string; url: string }> {
  const { fs, dir } = opts;
  const remote = opts.remote ?? 'origin';
  if (opts.depth !== undefined && (!Number.isInteger(opts.depth) || opts.depth < 1)) {
    throw new MetaError('INVALID_ARGUMENT', `--depth must be a whole number of commits, at least 1 (got ${opts.depth})`, { depth: opts.depth });
  }
  // Before any network round trip: the target must be new or an empty directory.
  Store.assertInitTarget(fs, dir);
  const clean = stripUserinfo(opts.url);
  const target = { url: clean.url, credentials: credentialsFor(clean.url, opts.env, clean.credentials) };
  const adv = await advertisedRefs(target, 'git-upload-pack');
  const head = adv.symrefs.get('HEAD');
  const branches = [...adv.refs.keys()].filter((r) => r.startsWith('refs/heads/'));
  const ref = head && adv.refs.has(head) ? head : branches.includes('refs/heads/main') ? 'refs/heads/main' : branches[0];
  if (!ref) throw new MetaError('NOT_FOUND', `${clean.url} has no branches yet; create the repository with 'meta init' and 'meta push' it first`, { url: clean.url });
  const branch = ref.slice('refs/heads/'.length);
  let existed = false;
  try {
    existed = fs.statSync(dir).isDirectory();
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  const store = Store.init({ fs, dir, branch, fsyncObjects: opts.fsyncObjects });
  try {
    addRemote(store, remote, clean.url, branch);
    const tip = await fetchBranch(store, target, { remote, branch, depth: opts.depth, advertisement: adv });
    if (!tip) throw new MetaError('REMOTE', `${clean.url} lost branch ${branch} while cloning; try again`, { url: clean.url });
    opts.checkTip?.(store, tip);
    await store.compareAndSwapRef(store.branchRef, undefined, tip);
    return { store, branch, commit: tip, remote, url: clean.url };
  } catch (e) {
    store.close();
    // Remove what we created, never more: the directory itself only if it did not exist before.
    for (const name of fs.readdirSync(dir)) fs.rmSync?.(`${dir}/${name}`, { recursive: true, force: true });
    if (!existed) fs.rmSync?.(dir, { recursive: true, force: true });
    throw e;
  }
}

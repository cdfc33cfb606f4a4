import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { MetaError } from '../errors/MetaError.js';
import type { Store } from '../store/Store.js';
import { authHeader, scrubSecrets } from './credentials.js';
import type { RemoteTarget } from './smartHttp.js';

/**
 * Node's promise fs for isomorphic-git, except that every file is written to a temp name and
 * renamed into place: a reader (our PackSet listing `*.idx`, another process) never sees a
 * half-written pack index, and a kill mid-fetch leaves no truncated file under a final name.
 */
function atomicFs(): unknown {
  const p = nodeFs.promises;
  const promises = {
    readFile: p.readFile, mkdir: p.mkdir, rmdir: p.rmdir, unlink: p.unlink, stat: p.stat, lstat: p.lstat,
    readdir: p.readdir, readlink: p.readlink, symlink: p.symlink, chmod: p.chmod, rm: p.rm,
    async writeFile(path: string, data: Uint8Array | string, options?: unknown) {
      const tmp = `${dirname(path)}/.tmp-meta-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        await p.writeFile(tmp, data, options as nodeFs.WriteFileOptions);
        await p.rename(tmp, path);
      } catch (e) {
        await p.unlink(tmp).catch(() => undefined);
        throw e;
      }
    },
  };
  return { promises };
}

let gitModule: Promise<[typeof import('isomorphic-git'), typeof import('isomorphic-git/http/node')]> | undefined;

/** isomorphic-git costs ~250 ms to import: only commands that fetch pay for it. */
function loadGit() {
  gitModule ??= Promise.all([import('isomorphic-git'), import('isomorphic-git/http/node')]);
  return gitModule;
}

const caches = new WeakMap<Store, object>();

/** Turns an isomorphic-git failure into a MetaError whose text holds no credential. */
export function remoteFailure(e: unknown, target: RemoteTarget, what: string): MetaError {
  if (e instanceof MetaError) return e;
  const err = e as { code?: string; data?: { statusCode?: number }; message?: string };
  const shown = scrubSecrets(target.url, target.credentials);
  const msg = scrubSecrets(String(err.message ?? e), target.credentials);
  const status = err.data?.statusCode;
  if (status === 401 || status === 403) {
    return new MetaError('AUTH', `${shown} refused ${target.credentials ? 'the credentials' : 'access without credentials'} (HTTP ${status}); set $META_GIT_TOKEN, or $META_GIT_USERNAME and $META_GIT_PASSWORD, or $META_GIT_CREDENTIAL_HELPER`, { url: shown, status });
  }
  if (status === 404) return new MetaError('NOT_FOUND', `no git repository at ${shown} (HTTP 404); check the URL`, { url: shown, status });
  return new MetaError('REMOTE', `${what} ${shown} failed: ${msg}`, { url: shown, ...(status ? { status } : {}) });
}

export interface FetchOptions {
  /** Remote name: the fetched tip is recorded under `refs/remotes/<remote>/<branch>`. */
  remote: string;
  branch: string;
  /** Shallow fetch of the last N commits. */
  depth?: number;
}

/**
 * Fetches one branch through isomorphic-git's smart-HTTP client into the store's object
 * directory, and makes the store see the new pack. It never touches the local branch: callers
 * decide (fast-forward, refuse a rewrite) and move it with compareAndSwapRef.
 *
 * @returns the fetched tip, or undefined when the remote has no such branch.
 */
export async function fetchBranch(store: Store, target: RemoteTarget, opts: FetchOptions): Promise<string | undefined> {
  const [git, http] = await loadGit();
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = {}));
  const creds = target.credentials;
  try {
    const res = await git.fetch({
      fs: atomicFs() as never,
      http: http.default ?? http,
      gitdir: store.gitdir,
      url: target.url,
      remote: opts.remote,
      ref: opts.branch,
      remoteRef: `refs/heads/${opts.branch}`,
      singleBranch: true,
      tags: false,
      depth: opts.depth,
      cache,
      headers: creds ? { Authorization: authHeader(creds) } : {},
      onAuth: creds ? () => ({ username: creds.username, password: creds.password }) : undefined,
      // Without this, a wrong password makes isomorphic-git ask onAuth again, forever.
      onAuthFailure: () => ({ cancel: true }),
    });
    store.objects.refreshPacks();
    return res.fetchHead ?? undefined;
  } catch (e) {
    const err = e as { code?: string };
    if (err.code === 'NotFoundError' && /refs\/heads\//.test(String((e as Error).message))) return undefined;
    throw remoteFailure(e, target, 'fetching from');
  }
}

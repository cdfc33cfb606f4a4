import { cloneRepository } from '../remote/cloneRepository.js';
import { diskFs } from './diskFs.js';
import { installRecordDiff } from './installRecordDiff.js';
import { assertMetaRepository, wrap, type MetaRepo, type OpenOptions } from './openMeta.js';
import { repositoryDir, shownRepositoryDir } from './repositoryDir.js';

export interface CloneMetaOptions extends OpenOptions {
  url: string;
  /** Shallow clone of the last N commits (followers rarely need the whole history). */
  depth?: number;
  /** Remote name (default `origin`). */
  remote?: string;
}

/**
 * Clones a meta repository over smart HTTP into a new bare repository (like `meta init` makes).
 *
 * @example
 * const repo = await cloneMeta({ url: 'https://git.example.com/acme/meta.git', dir: '/srv/meta', depth: 1 });
 */
export async function cloneMeta(opts: CloneMetaOptions): Promise<MetaRepo & { branch: string; commit: string; url: string }> {
  const env = opts.env ?? process.env;
  const fs = opts.fs ?? diskFs;
  const dir = repositoryDir(opts.dir, env, fs);
  // The fetched tip must be a meta repository's before the branch points at it; a failed check
  // removes what the clone created, like any failed clone.
  const where = shownRepositoryDir(opts, env);
  const r = await cloneRepository({ fs, dir, url: opts.url, env, depth: opts.depth, remote: opts.remote, fsyncObjects: opts.fsyncObjects, checkTip: (store, tip) => assertMetaRepository(store, where, tip) });
  installRecordDiff(r.store);
  return Object.assign(wrap(r.store, opts, env), { branch: r.branch, commit: r.commit, url: r.url });
}

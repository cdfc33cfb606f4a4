import { binariesDir } from '../records/layout.js';
import type { Release } from '../records/types.js';
import { releaseYank, type YankInfo } from '../resolve/releaseYank.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject, requireRelease, snapshotAt } from './lookup.js';

export interface ReleaseView {
  project: string;
  version: string;
  githash: string;
  /** Where the record lives: `git show <commit>:<path>` prints its bytes. */
  path: string;
  commit: string;
  release: Release;
  binaries: { platform: string; digest: string; githash: string; path: string }[];
  yank: YankInfo | null;
}

/**
 * One release with its binaries and its yank, at a commit.
 *
 * @example
 * const v = showRelease(repo, { project: 'acme/app', version: '1.4.2' });
 * console.log(v.path, v.binaries.map((b) => b.platform), v.yank?.reason);
 */
export function showRelease(repo: MetaRepo, opts: { project: string; version: string; at?: string }): ReleaseView {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const rel = requireRelease(repo, snap, project, opts.version);
  const dir = binariesDir(project, opts.version);
  const binaries = snap.list(dir).filter((e) => e.name.endsWith('.pb') && e.mode !== '40000').map((e) => {
    const path = `${dir}/${e.name}`;
    const b = repo.reader.byOid(snap, e.oid, 'binary', { path, commit: snap.commit });
    return { platform: e.name.slice(0, -3).split('-').join('/'), digest: b.digest, githash: e.oid, path };
  });
  return {
    project, version: opts.version, githash: rel.githash, path: rel.path, commit: snap.commit!, release: rel.record, binaries,
    yank: releaseYank(snap, repo.reader, project, opts.version),
  };
}

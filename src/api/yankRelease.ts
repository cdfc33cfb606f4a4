import { MetaError } from '../errors/MetaError.js';
import { yankPath } from '../records/layout.js';
import type { ReleaseRef } from '../records/types.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject, requireRelease } from './lookup.js';
import { writeRecords } from './writeRecords.js';

export interface YankReleaseOptions {
  project: string;
  version: string;
  /** Why it is withdrawn: shown by `resolve`, `channel show` and to followers. */
  reason: string;
}

export interface YankReleaseResult {
  project: string;
  version: string;
  release: ReleaseRef;
  reason: string;
  /** False when the release was already yanked: nothing written, the first yank's record returned. */
  changed: boolean;
  commit: string;
  githash: string;
  path: string;
}

/**
 * Yanks a release on every channel at once: it can no longer be promoted (or rolled back to),
 * while a channel already running it still resolves to it, flagged `yanked` with the reason, so
 * nothing changes under a running fleet until someone promotes a fixed release. Followers do not
 * install a yanked release they are not already running. Yanking a yanked release writes nothing.
 *
 * @example
 * await yankRelease(repo, { project: 'acme/app', version: '1.4.2', reason: 'corrupts the cache (INC-42)' });
 */
export async function yankRelease(repo: MetaRepo, opts: YankReleaseOptions): Promise<YankReleaseResult> {
  if (!opts.reason || !opts.reason.trim()) throw new MetaError('INVALID_ARGUMENT', 'a yank needs --reason <text>: followers and release managers are shown why the release was withdrawn', {});
  let project = opts.project;
  let noop: YankReleaseResult | undefined;
  try {
    const res = await writeRecords(repo, (snap) => {
      project = requireProject(repo, snap, opts.project).name;
      const rel = requireRelease(repo, snap, project, opts.version);
      const release = { githash: rel.githash, version: opts.version };
      const had = releaseYank(snap, repo.reader, project, opts.version);
      if (had) {
        noop = { project, version: opts.version, release, reason: had.reason, changed: false, commit: snap.commit!, githash: had.githash, path: had.path };
        throw new AlreadyYanked();
      }
      return {
        records: [{ kind: 'yank', path: yankPath(project, opts.version), body: { project, release, reason: opts.reason } }],
        message: `yank ${project} ${opts.version}`,
        result: release,
      };
    });
    return { project, version: opts.version, release: res.value, reason: opts.reason, changed: true, commit: res.commit, githash: res.records[0]!.githash, path: res.records[0]!.path };
  } catch (e) {
    if (e instanceof AlreadyYanked && noop) return noop;
    throw e;
  }
}

class AlreadyYanked extends Error {}

/**
 * A project's pipeline in force at a commit: the pipeline record with the highest sequence.
 * Every version stays in history, so reading at an older commit gives the gates that applied then.
 */
import { pipelineDir } from '../records/layout.js';
import type { Pipeline } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject, snapshotAt } from './lookup.js';

/**
 * The newest pipeline record of `project` at `snap` with its path and blob hash, or null when it has none.
 *
 * @example
 * const hit = pipelineAt(repo, repo.store.snapshot(), 'acme/app');
 * console.log(hit?.record.sequence, hit?.path);
 */
export function pipelineAt(repo: MetaRepo, snap: Snapshot, project: string): { record: Pipeline; path: string; githash: string } | null {
  const dir = pipelineDir(project);
  // Shards and files are zero-padded sequence numbers, so the last name of the last shard is the newest.
  const shards = snap.list(dir).filter((e) => e.mode === '40000' && /^\d{5}$/.test(e.name)).map((e) => e.name).sort();
  for (let i = shards.length - 1; i >= 0; i--) {
    const files = snap.list(`${dir}/${shards[i]}`).filter((e) => /^\d{10}\.pb$/.test(e.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
    const last = files[files.length - 1];
    if (!last) continue;
    const path = `${dir}/${shards[i]}/${last.name}`;
    return { record: repo.reader.byOid(snap, last.oid, 'pipeline', { path, commit: snap.commit }), path, githash: last.oid };
  }
  return null;
}

/**
 * The pipeline of a project at a commit, ref or date (default: the tip), or null when the project
 * has none. The project may be given by its short name.
 *
 * @example
 * const p = readPipeline(repo, 'acme/app');
 * for (const s of p?.stages ?? []) console.log(s.channel, s.gates.map((g) => g.type));
 */
export function readPipeline(repo: MetaRepo, project: string, at?: string): Pipeline | null {
  const snap = snapshotAt(repo, at);
  return pipelineAt(repo, snap, requireProject(repo, snap, project).name)?.record ?? null;
}

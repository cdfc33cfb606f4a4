import { MetaError } from '../errors/MetaError.js';
import { projectDir } from '../records/layout.js';
import type { ModuleImport } from '../records/types.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { MetaRepo } from './openMeta.js';
import { listProjectNames, snapshotAt } from './lookup.js';

export interface ReleaseImportersOptions {
  /** The module as releases name it in their imports (`--import <module>@…`). */
  module: string;
  /** Only imports of this version, or of this release githash. */
  version?: string;
  at?: string;
}

export interface Importer {
  project: string;
  version: string;
  /** Githash of the importing release record. */
  githash: string;
  path: string;
  /** The import as recorded: the module's version and/or release githash. */
  import: ModuleImport;
  yanked: boolean;
}

/**
 * The releases that import a module (the reverse of a release's imports), sorted by project and
 * version, read at one commit. It reads every release record of the snapshot once (records are
 * cached by githash), so it costs one pass over the releases, never a walk of history.
 *
 * @example
 * for (const i of releaseImporters(repo, { module: 'acme/lib', version: '2.1.0' })) console.log(i.project, i.version);
 */
export function releaseImporters(repo: MetaRepo, opts: ReleaseImportersOptions): Importer[] {
  if (!opts.module) throw new MetaError('INVALID_ARGUMENT', 'give the module, as releases name it in --import <module>@<version>', {});
  const snap = snapshotAt(repo, opts.at);
  const out: Importer[] = [];
  for (const project of listProjectNames(snap)) {
    const releases = `${projectDir(project)}/releases`;
    for (const shard of snap.list(releases)) {
      if (shard.mode !== '40000') continue;
      for (const rel of snap.list(`${releases}/${shard.name}`)) {
        if (rel.mode !== '40000') continue;
        const path = `${releases}/${shard.name}/${rel.name}/release.pb`;
        const hit = repo.reader.at(snap, path, 'release');
        if (!hit) continue;
        for (const imp of hit.record.imports) {
          if (imp.module !== opts.module) continue;
          if (opts.version !== undefined && imp.version !== opts.version && imp.githash !== opts.version) continue;
          out.push({ project, version: hit.record.version, githash: hit.oid, path, import: imp, yanked: releaseYank(snap, repo.reader, project, hit.record.version) !== null });
        }
      }
    }
  }
  return out.sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

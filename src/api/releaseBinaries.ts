import { binariesDir } from '../records/layout.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';

/** A binary of a release as the dashboard and the release routes list it. */
export interface BinarySummary {
  platform: string;
  digest: string;
  size: number;
  mediaType: string;
  /** Every location the record names, in its order. */
  locations: string[];
  signatures: number;
  recordedAt: string;
  recordedBy: string;
  githash: string;
  path: string;
}

/**
 * The binaries of one release at a snapshot, by platform (one listing of its binaries folder).
 *
 * @example
 * releaseBinaries(repo, snap, 'acme/app', '1.4.2').map((b) => `${b.platform} ${b.size}`);
 */
export function releaseBinaries(repo: MetaRepo, snap: Snapshot, project: string, version: string): BinarySummary[] {
  const dir = binariesDir(project, version);
  return snap.list(dir).filter((e) => e.name.endsWith('.pb') && e.mode !== '40000').map((e) => {
    const path = `${dir}/${e.name}`;
    const b = repo.reader.byOid(snap, e.oid, 'binary', { path, commit: snap.commit });
    return {
      platform: e.name.slice(0, -3).split('-').join('/'), digest: b.digest, size: b.size, mediaType: b.mediaType, locations: b.locations,
      signatures: b.signatures.length, recordedAt: b.header.createdAt, recordedBy: b.header.actor, githash: e.oid, path,
    };
  });
}

import { MetaError } from '../errors/MetaError.js';
import { binaryPath } from '../records/layout.js';
import { checkDigest, formatPlatform, parsePlatform } from '../records/names.js';
import type { Binary } from '../records/types.js';
import { DigestIndex } from '../resolve/DigestIndex.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject, requireRelease } from './lookup.js';

/** Which binary: a release's binary for one platform, or the one recorded with a digest. */
export type BinaryTarget = { project: string; version: string; platform: string } | { digest: string };

/** One binary record found, with where it is. */
export interface FoundBinary {
  project: string;
  version: string;
  platform: string;
  binary: Binary;
  githash: string;
  path: string;
}

const indexes = new WeakMap<MetaRepo, DigestIndex>();

/**
 * Finds one binary record by release and platform, or by digest (NOT_FOUND when none; a digest
 * recorded for several binaries is refused, naming them, unless they are the same bytes of one
 * release).
 *
 * @example
 * const b = findBinary(repo, snap, { digest: 'sha256:…' });
 */
export function findBinary(repo: MetaRepo, snap: Snapshot, target: BinaryTarget): FoundBinary {
  if ('digest' in target) {
    const digest = checkDigest(target.digest);
    let index = indexes.get(repo);
    if (!index) indexes.set(repo, (index = new DigestIndex(repo.store, repo.reader)));
    const hits: FoundBinary[] = [];
    for (const path of index.lookup(digest, snap.commit)) {
      const hit = repo.reader.at(snap, path, 'binary');
      if (!hit || hit.record.digest !== digest) continue;
      hits.push({ project: hit.record.project, version: hit.record.release.version, platform: formatPlatform(hit.record.platform), binary: hit.record, githash: hit.oid, path });
    }
    if (hits.length === 0) throw new MetaError('NOT_FOUND', `no binary with digest ${digest} is recorded`, { digest });
    if (hits.length > 1) {
      throw new MetaError('INVALID_ARGUMENT', `digest ${digest} is recorded for ${hits.length} binaries (${hits.map((h) => `${h.project} ${h.version} ${h.platform}`).join(', ')}); name one as <project> <version> --platform p`, { digest, matches: hits.map((h) => h.path) });
    }
    return hits[0]!;
  }
  const platform = parsePlatform(target.platform);
  const project = requireProject(repo, snap, target.project).name;
  requireRelease(repo, snap, project, target.version);
  const path = binaryPath(project, target.version, platform);
  const hit = repo.reader.at(snap, path, 'binary');
  if (!hit) throw new MetaError('NOT_FOUND', `release ${target.version} of ${project} has no ${formatPlatform(platform)} binary`, { project, version: target.version, platform: formatPlatform(platform) });
  return { project, version: target.version, platform: formatPlatform(platform), binary: hit.record, githash: hit.oid, path };
}

export { knownLocations, locationRecords, preferRegion, type KnownLocation } from './knownLocations.js';

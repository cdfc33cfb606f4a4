import { MetaError } from '../errors/MetaError.js';
import { checkDigest, formatPlatform } from '../records/names.js';
import type { Source, ModuleImport } from '../records/types.js';
import { DigestIndex } from '../resolve/DigestIndex.js';
import type { MetaRepo } from './openMeta.js';
import { snapshotAt } from './lookup.js';
import { shallowBoundaries } from './shallowBoundaries.js';

export interface ResolvedSource {
  digest: string;
  commit: string;
  /** Usually one; the same bytes recorded for several releases or platforms give several. */
  matches: {
    project: string;
    version: string;
    platform: string;
    releaseGithash: string;
    binaryGithash: string;
    /** The meta commit that recorded the binary. */
    recordedIn: string | null;
    sources: Source[];
    imports: ModuleImport[];
  }[];
}

const indexes = new WeakMap<MetaRepo, DigestIndex>();

/**
 * The way back from a binary: its digest → project, release, platform and every source repo@commit.
 *
 * @example
 * const s = resolveSource(repo, { digest: 'sha256:…' });
 * for (const m of s.matches) for (const src of m.sources) console.log(src.url, src.commit);
 */
export function resolveSource(repo: MetaRepo, opts: { digest: string; at?: string }): ResolvedSource {
  const digest = checkDigest(opts.digest);
  const snap = snapshotAt(repo, opts.at);
  let index = indexes.get(repo);
  if (!index) indexes.set(repo, (index = new DigestIndex(repo.store, repo.reader)));
  const paths = index.lookup(digest, snap.commit);
  const log = repo.store.log();
  const boundaries = shallowBoundaries(repo);
  // In a shallow clone the boundary commit only seems to add what was there before it: unknown.
  const knownAdder = (c: string | null) => (c !== null && boundaries.has(c) ? null : c);
  const matches: ResolvedSource['matches'] = [];
  for (const path of paths) {
    const hit = repo.reader.at(snap, path, 'binary');
    if (!hit || hit.record.digest !== digest) continue;
    const b = hit.record;
    const rel = repo.reader.byOid(snap, b.release.githash, 'release', { commit: snap.commit });
    matches.push({
      project: b.project, version: rel.version, platform: formatPlatform(b.platform), releaseGithash: b.release.githash, binaryGithash: hit.oid,
      recordedIn: knownAdder(log.addedIn(path, snap.commit) ?? null), sources: rel.sources, imports: rel.imports,
    });
  }
  if (matches.length === 0) throw new MetaError('NOT_FOUND', `no binary with digest ${digest} is recorded${opts.at ? ` at ${opts.at}` : ''}`, { digest });
  return { digest, commit: snap.commit!, matches };
}

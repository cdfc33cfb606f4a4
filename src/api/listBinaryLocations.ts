import type { BlobStorage } from '../storage/BlobStorage.js';
import { checkCopy } from '../storage/verifiedCopy.js';
import { MetaError } from '../errors/MetaError.js';
import { findBinary, knownLocations, type BinaryTarget, type KnownLocation } from './binaryLocations.js';
import { snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { openStorage } from './openStorage.js';

export interface ListBinaryLocationsOptions {
  target: BinaryTarget;
  /** Check every copy now: that it exists with the recorded size … */
  verify?: boolean;
  /** … and, with `deep`, the recorded sha-256 (reads each copy whole). */
  deep?: boolean;
  at?: string;
  storage?: BlobStorage;
  /** Copies checked at once (default 8). */
  parallel?: number;
}

export interface CheckedLocation extends KnownLocation {
  /** Set with `verify`: `ok`, `missing`, `corrupt`, or `error` (the storage could not be asked). */
  check?: 'ok' | 'missing' | 'corrupt' | 'error';
  /** What was wrong, for `corrupt` and `error`. */
  problem?: string;
}

export interface BinaryLocationsResult {
  project: string;
  version: string;
  platform: string;
  digest: string;
  size: number;
  commit: string;
  locations: CheckedLocation[];
  /** With `verify`: how many copies are missing, corrupt or could not be checked. */
  bad?: number;
}

/**
 * Every known location of a binary, with region, when it was verified and by whom; with `verify`
 * each copy is checked now (size, and sha-256 with `deep`).
 *
 * @example
 * const r = await listBinaryLocations(repo, { target: { project: 'acme/app', version: '1.4.2', platform: 'linux/amd64' }, verify: true, deep: true });
 * if (r.bad) console.error(r.locations.filter((l) => l.check !== 'ok'));
 */
export async function listBinaryLocations(repo: MetaRepo, opts: ListBinaryLocationsOptions): Promise<BinaryLocationsResult> {
  const snap = snapshotAt(repo, opts.at);
  const found = findBinary(repo, snap, opts.target);
  const locations: CheckedLocation[] = knownLocations(repo, snap, found);
  const out: BinaryLocationsResult = {
    project: found.project, version: found.version, platform: found.platform, digest: found.binary.digest, size: found.binary.size, commit: snap.commit!, locations,
  };
  if (!opts.verify && !opts.deep) return out;
  const storage = opts.storage ?? openStorage(repo);
  const want = { digest: found.binary.digest, size: found.binary.size };
  let next = 0;
  const worker = async () => {
    while (next < locations.length) {
      const l = locations[next++]!;
      try {
        const c = await checkCopy(storage, l.url, want, opts.deep === true);
        l.check = c.state;
        if (c.state === 'corrupt') l.problem = c.why;
      } catch (e) {
        l.check = 'error';
        l.problem = e instanceof MetaError ? e.message : 'the check failed';
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 8, locations.length) }, worker));
  } finally {
    if (!opts.storage) await storage.close();
  }
  out.bad = locations.filter((l) => l.check !== 'ok').length;
  return out;
}

/**
 * Where a binary's copies are: the locations its binary record names, plus one location record
 * for every copy made and verified later. Shared by `meta binary locations`, `replicate`,
 * `resolve binary` and `/download`, so every reader sees the same list in the same order.
 */
import { binaryLocationsDir } from '../records/layout.js';
import type { Binary, BinaryLocation } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';

/** The binary whose locations are asked for: the record and the release it is filed under. */
export interface LocatedBinary {
  project: string;
  version: string;
  binary: Binary;
}

/** One place a binary can be fetched from. */
export interface KnownLocation {
  url: string;
  /** The region a location record gave ('' for the binary record's own locations). */
  region: string;
  /** When the copy was last verified (the binary's own locations: when the binary was recorded). */
  verifiedAt: string;
  /** Who verified it (the binary's own locations: who recorded the binary). */
  verifiedBy: string;
  /** `recorded` (named by the binary record), or the location record's check: `read-back`, `checksum`. */
  method: string;
  /** The location record's path, absent for the binary's own locations. */
  path?: string;
}

/** The location records of a binary, oldest first (their file names sort by time). */
export function locationRecords(repo: MetaRepo, snap: Snapshot, b: LocatedBinary): { record: BinaryLocation; path: string }[] {
  const dir = binaryLocationsDir(b.project, b.version, b.binary.platform);
  const out: { record: BinaryLocation; path: string }[] = [];
  for (const e of snap.list(dir)) {
    if (e.mode === '40000' || !e.name.endsWith('.pb')) continue;
    const hit = repo.reader.at(snap, `${dir}/${e.name}`, 'location');
    // A copy of other bytes is no copy of this binary, whatever its path says.
    if (hit && hit.record.digest === b.binary.digest) out.push({ record: hit.record, path: `${dir}/${e.name}` });
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/**
 * Every known location of a binary, once each: the binary record's own, in their order, then
 * the copies verified later, oldest first. A URL verified several times is listed once, with its
 * newest verification.
 *
 * @example
 * for (const l of knownLocations(repo, snap, found)) console.log(l.region || '-', l.url);
 */
export function knownLocations(repo: MetaRepo, snap: Snapshot, b: LocatedBinary): KnownLocation[] {
  const out: KnownLocation[] = b.binary.locations.map((url) => ({ url, region: '', verifiedAt: b.binary.header.createdAt, verifiedBy: b.binary.header.actor, method: 'recorded' }));
  for (const { record, path } of locationRecords(repo, snap, b)) {
    const entry: KnownLocation = { url: record.url, region: record.region, verifiedAt: record.verifiedAt, verifiedBy: record.header.actor, method: record.method, path };
    const i = out.findIndex((l) => l.url === record.url);
    if (i < 0) out.push(entry);
    else out[i] = { ...entry, region: entry.region || out[i]!.region };
  }
  return out;
}

/**
 * Orders locations for a client in `region`: that region's copies first, then the others in
 * their listed order (a fallback when the near copy is gone).
 *
 * @example
 * preferRegion(locations, 'eu')[0]?.url
 */
export function preferRegion<T extends { region: string }>(list: readonly T[], region: string | undefined): T[] {
  if (!region) return [...list];
  return [...list.filter((l) => l.region === region), ...list.filter((l) => l.region !== region)];
}

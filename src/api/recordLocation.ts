import { binaryLocationPath } from '../records/layout.js';
import type { MetaRepo } from './openMeta.js';
import type { FoundBinary } from './binaryLocations.js';
import { writeRecords } from './writeRecords.js';

export interface RecordLocationOptions {
  url: string;
  region?: string;
  /** When the copy was verified (default: now). */
  verifiedAt?: Date;
  /** `read-back` (the copy was read and hashed) or `checksum` (the store's own SHA-256). */
  method?: string;
}

export interface RecordLocationResult {
  url: string;
  region: string;
  path: string;
  githash: string;
  commit: string;
}

/**
 * Appends a location record: one more verified copy of a binary, at `url` in `region`. Its own
 * commit, so each copy is on record as soon as it is verified, whatever happens to the others.
 *
 * @example
 * await recordLocation(repo, found, { url: 's3://eu-builds/acme/app/1.4.2/linux/amd64', region: 'eu' });
 */
export async function recordLocation(repo: MetaRepo, b: FoundBinary, opts: RecordLocationOptions): Promise<RecordLocationResult> {
  const region = opts.region ?? '';
  const res = await writeRecords(repo, (_snap, now) => ({
    records: [{
      kind: 'location', path: binaryLocationPath(b.project, b.version, b.binary.platform, now),
      body: {
        project: b.project, release: b.binary.release, platform: b.binary.platform, digest: b.binary.digest, url: opts.url, region,
        verifiedAt: (opts.verifiedAt ?? now).toISOString(), size: b.binary.size, method: opts.method ?? 'read-back',
      },
    }],
    message: `location ${b.project} ${b.version} ${b.platform}${region ? ` ${region}` : ''}`,
    result: null,
  }));
  return { url: opts.url, region, path: res.records[0]!.path, githash: res.records[0]!.githash, commit: res.commit };
}

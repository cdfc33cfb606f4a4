import { createReadStream } from 'node:fs';
import { MetaError } from '../errors/MetaError.js';
import { binaryLocationPath, binaryPath } from '../records/layout.js';
import { formatPlatform, parsePlatform } from '../records/names.js';
import type { Label } from '../records/types.js';
import type { BlobStorage } from '../storage/BlobStorage.js';
import { parseLocation } from '../storage/parseLocation.js';
import { writeVerified } from '../storage/verifiedCopy.js';
import { digestFile } from '../util/digestFile.js';
import type { MetaRepo } from './openMeta.js';
import { openStorage } from './openStorage.js';
import { requireProject, requireRelease } from './lookup.js';
import type { RecordBinaryResult } from './recordBinary.js';
import { writeRecords } from './writeRecords.js';

export interface UploadBinaryOptions {
  project: string;
  version: string;
  /** `os/arch[/variant]` */
  platform: string;
  /** The binary on this machine. */
  file: string;
  /** Where it goes: `s3://bucket/key`, `file:///abs/path` or `http(s)://…` (a server taking PUT). */
  to: string;
  /** The region the location stands for (`eu`, `us-east-1`…), for `follow --region` and `?region=`. */
  region?: string;
  mediaType?: string;
  labels?: Label[];
  /** Default: the repository's storage (AWS configuration plus `storage.s3.endpoint`). */
  storage?: BlobStorage;
  signal?: AbortSignal;
}

export interface UploadBinaryResult extends RecordBinaryResult {
  url: string;
  region: string;
  /** The location record's path. */
  locationPath: string;
}

/**
 * Uploads a binary and records it, in one step for CI: streams the file to `to` (a multipart
 * upload when large), reads back what landed and hashes it, and only then records the binary
 * with that location plus a location record (region, when verified, by whom), in one commit.
 * Nothing is recorded when the upload or the check fails.
 *
 * @example
 * await uploadBinary(repo, { project: 'acme/app', version: '1.4.2', platform: 'linux/amd64',
 *   file: 'dist/app', to: 's3://us-builds/acme/app/1.4.2/linux/amd64', region: 'us' });
 */
export async function uploadBinary(repo: MetaRepo, opts: UploadBinaryOptions): Promise<UploadBinaryResult> {
  const platform = parsePlatform(opts.platform);
  parseLocation(opts.to, '--to');
  const region = opts.region ?? '';
  if (region && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(region)) throw new MetaError('INVALID_ARGUMENT', `--region '${region.slice(0, 64)}' must be a region name: letters, digits, '.', '_' and '-'`, { region: region.slice(0, 64) });
  // Refuse before uploading what could never be recorded.
  const before = repo.store.snapshot();
  const project = requireProject(repo, before, opts.project).name;
  requireRelease(repo, before, project, opts.version);
  const exists = () => new MetaError('ALREADY_EXISTS', `release ${opts.version} of ${project} already has a ${formatPlatform(platform)} binary; binaries are immutable, so record a new release (or copy this one with 'meta binary replicate')`, { project, version: opts.version, platform: formatPlatform(platform) });
  if (before.exists(binaryPath(project, opts.version, platform))) throw exists();
  const want = await digestFile(opts.file);
  const storage = opts.storage ?? openStorage(repo);
  try {
    await writeVerified(storage, createReadStream(opts.file, { highWaterMark: 1 << 20 }), opts.to, want, { signal: opts.signal });
  } finally {
    if (!opts.storage) await storage.close();
  }
  const verifiedAt = repo.clock();
  const res = await writeRecords(repo, (snap, now) => {
    const release = requireRelease(repo, snap, project, opts.version);
    const path = binaryPath(project, opts.version, platform);
    if (snap.exists(path)) throw exists();
    const ref = { githash: release.githash, version: opts.version };
    return {
      records: [
        {
          kind: 'binary', path, labels: opts.labels,
          body: { project, release: ref, platform, digest: want.digest, size: want.size, mediaType: opts.mediaType ?? 'application/octet-stream', locations: [opts.to], signatures: [], provenance: '', provenanceType: '' },
        },
        {
          kind: 'location', path: binaryLocationPath(project, opts.version, platform, now),
          body: { project, release: ref, platform, digest: want.digest, url: opts.to, region, verifiedAt: verifiedAt.toISOString(), size: want.size, method: 'read-back' },
        },
      ],
      message: `upload binary ${project} ${opts.version} ${formatPlatform(platform)}`,
      result: null,
    };
  });
  return {
    project, version: opts.version, platform: formatPlatform(platform), digest: want.digest, size: want.size,
    githash: res.records[0]!.githash, path: res.records[0]!.path, commit: res.commit, url: opts.to, region, locationPath: res.records[1]!.path,
  };
}

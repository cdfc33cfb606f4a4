import { MetaError } from '../errors/MetaError.js';
import { checkDigest, formatPlatform, parsePlatform } from '../records/names.js';
import { binaryPath } from '../records/layout.js';
import { checkUrl } from '../records/validate.js';
import type { Label } from '../records/types.js';
import { digestFile } from '../util/digestFile.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject, requireRelease } from './lookup.js';
import { writeRecords } from './writeRecords.js';

export interface RecordBinaryOptions {
  project: string;
  version: string;
  /** `os/arch[/variant]` */
  platform: string;
  /** Computes digest and size by streaming the file … */
  file?: string;
  /** … or give them: `sha256:<hex>` and bytes. */
  digest?: string;
  size?: number;
  /** Immutable storage locations (s3://, https://, file://…), at least one. */
  urls: string[];
  mediaType?: string;
  labels?: Label[];
}

export interface RecordBinaryResult {
  project: string;
  version: string;
  platform: string;
  digest: string;
  size: number;
  githash: string;
  path: string;
  commit: string;
}

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/**
 * Records a binary of a release for one platform.
 *
 * @example
 * await recordBinary(repo, { project: 'acme/app', version: '1.4.2', platform: 'linux/amd64',
 *   file: 'dist/app', urls: ['s3://builds/app/1.4.2/app-linux-amd64'] });
 */
export async function recordBinary(repo: MetaRepo, opts: RecordBinaryOptions): Promise<RecordBinaryResult> {
  const platform = parsePlatform(opts.platform);
  if (opts.urls.length === 0) throw new MetaError('INVALID_ARGUMENT', 'a binary needs at least one --url <location> where it can be downloaded', {});
  // Credentials first: the next message quotes the URL.
  opts.urls.forEach((u, i) => checkUrl(`binary.locations[${i}]`, u));
  for (const u of opts.urls) if (!URL_RE.test(u)) throw new MetaError('INVALID_ARGUMENT', `--url '${u}' is not a URL; use s3://…, https://… or file:///…`, { url: u });
  let digest: string;
  let size: number;
  if (opts.file !== undefined) {
    if (opts.digest !== undefined || opts.size !== undefined) throw new MetaError('INVALID_ARGUMENT', 'give either --file, or --digest with --size, not both', {});
    ({ digest, size } = await digestFile(opts.file));
  } else {
    if (opts.digest === undefined || opts.size === undefined) throw new MetaError('INVALID_ARGUMENT', 'give --file <path>, or --digest sha256:<hex> with --size <bytes>', {});
    digest = checkDigest(opts.digest);
    if (!Number.isSafeInteger(opts.size) || opts.size < 0) throw new MetaError('INVALID_ARGUMENT', `--size ${opts.size} must be a whole number of bytes`, { size: opts.size });
    size = opts.size;
  }
  const res = await writeRecords(repo, (snap) => {
    const project = requireProject(repo, snap, opts.project).name;
    const release = requireRelease(repo, snap, project, opts.version);
    const path = binaryPath(project, opts.version, platform);
    if (snap.exists(path)) {
      throw new MetaError('ALREADY_EXISTS', `release ${opts.version} of ${project} already has a ${formatPlatform(platform)} binary; binaries are immutable, so record a new release`, { project, version: opts.version, platform: formatPlatform(platform), path });
    }
    return {
      records: [{
        kind: 'binary', path, labels: opts.labels,
        body: {
          project, release: { githash: release.githash, version: opts.version }, platform, digest, size, mediaType: opts.mediaType ?? 'application/octet-stream',
          locations: opts.urls, signatures: [], provenance: '', provenanceType: '',
        },
      }],
      message: `record binary ${project} ${opts.version} ${formatPlatform(platform)}`,
      result: project,
    };
  });
  return { project: res.value, version: opts.version, platform: formatPlatform(platform), digest, size, githash: res.records[0]!.githash, path: res.records[0]!.path, commit: res.commit };
}

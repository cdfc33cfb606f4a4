import { MetaError } from '../errors/MetaError.js';
import { instancePath, releasePath } from '../records/layout.js';
import { checkChannel, checkDigest, checkVersion, checkEnvironment, checkHost, formatPlatform, parsePlatform } from '../records/names.js';
import type { InstanceStatus, Label, Platform } from '../records/types.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject } from './lookup.js';
import { writeRecords } from './writeRecords.js';

export interface ReportInstanceOptions {
  project: string;
  host: string;
  /** Environment the host belongs to (e.g. `prod`). */
  env: string;
  channel?: string;
  /** The release the host runs (or tried to install, for `failed`). */
  version?: string;
  /** `sha256:<hex>` of the binary it runs. */
  digest?: string;
  platform?: string;
  /** The meta commit the host resolved at. */
  metaCommit?: string;
  status: InstanceStatus | string;
  message?: string;
  labels?: Label[];
}

export interface ReportInstanceResult {
  project: string;
  host: string;
  env: string;
  status: InstanceStatus;
  path: string;
  githash: string;
  commit: string;
}

const STATUSES: InstanceStatus[] = ['installing', 'running', 'failed'];

/** Checks a report's fields (names, digest, status) before anything is planned. */
export function checkReport(opts: ReportInstanceOptions): { status: InstanceStatus; platform: Platform; digest: string; metaCommit: string } {
  checkHost(opts.host);
  checkEnvironment(opts.env);
  if (opts.channel) checkChannel(opts.channel);
  if (opts.version) checkVersion(opts.version);
  if (!STATUSES.includes(opts.status as InstanceStatus)) {
    throw new MetaError('INVALID_ARGUMENT', `status '${opts.status}' must be one of ${STATUSES.join(', ')}`, { status: opts.status });
  }
  const platform = opts.platform ? parsePlatform(opts.platform) : { os: '', arch: '', variant: '' };
  const digest = opts.digest ? checkDigest(opts.digest) : '';
  const metaCommit = opts.metaCommit ?? '';
  if (metaCommit && !/^[0-9a-f]{40}$/.test(metaCommit)) throw new MetaError('INVALID_ARGUMENT', `meta commit '${metaCommit}' must be a full 40-hex commit id`, { metaCommit });
  if ((opts.message ?? '').length > 4096) throw new MetaError('INVALID_ARGUMENT', 'a report message may hold at most 4096 characters', {});
  return { status: opts.status as InstanceStatus, platform, digest, metaCommit };
}

/**
 * Appends an InstanceReport: what a host runs (or failed to install), for `meta instances`.
 * The environment (or personal `env/developer`) must be declared in meta.yaml or already have
 * this project's reports, and so must its channel, if it names one (else NOT_FOUND with the
 * closest declared names).
 * Reports are named by time plus a random suffix, so any number of hosts report concurrently
 * without conflicts.
 *
 * @example
 * await reportInstance(repo, { project: 'acme/app', host: 'web-1', env: 'prod', channel: 'stable',
 *   version: '1.4.2', digest: 'sha256:…', status: 'running' });
 */
export async function reportInstance(repo: MetaRepo, opts: ReportInstanceOptions): Promise<ReportInstanceResult> {
  const { status, platform, digest, metaCommit } = checkReport(opts);
  let project = opts.project;
  const { requireDeclaredChannel, requireDeclaredEnvironment } = await import('./declaredNames.js');
  const res = await writeRecords(repo, (snap, now) => {
    project = requireProject(repo, snap, opts.project).name;
    requireDeclaredEnvironment(snap, opts.env, { project });
    if (opts.channel) requireDeclaredChannel(snap, project, opts.channel);
    let githash = '';
    if (opts.version) {
      // A report may name a release this repository does not know (a host running a build from
      // elsewhere); then it carries the version alone.
      githash = snap.entry(releasePath(project, opts.version))?.oid ?? '';
    }
    const path = instancePath(project, opts.env, opts.host, now);
    return {
      records: [{
        kind: 'instance', path, labels: opts.labels,
        body: {
          project, host: opts.host, environment: opts.env, channel: opts.channel ?? '', release: { githash, version: opts.version ?? '' },
          binaryDigest: digest, platform, metaCommit, status, message: opts.message ?? '',
        },
      }],
      message: `report ${project} ${opts.env}/${opts.host} ${status}${opts.version ? ` ${opts.version}` : ''}${platform.os ? ` ${formatPlatform(platform)}` : ''}`,
      result: path,
    };
  });
  return { project, host: opts.host, env: opts.env, status, path: res.value, githash: res.records[0]!.githash, commit: res.commit };
}

import { MetaError } from '../errors/MetaError.js';
import { checkChannel } from '../records/names.js';
import { verificationPath } from '../records/layout.js';
import type { VerificationStatus } from '../records/types.js';
import { requireDeclaredChannel } from './declaredNames.js';
import { requireProject, requireRelease } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { writeRecords } from './writeRecords.js';

export interface VerificationOptions {
  project: string;
  version: string;
  /** The channel (stage) the check was for. */
  channel: string;
  /** The check's name, as a `verification` gate names it (`smoke`, `e2e`). */
  name: string;
  status: VerificationStatus | string;
  /** Where to read more (the CI run). */
  url?: string;
  message?: string;
}

export interface VerificationResult {
  project: string;
  version: string;
  channel: string;
  name: string;
  status: VerificationStatus;
  commit: string;
  path: string;
  githash: string;
}

/**
 * Appends a Verification record: a check that ran outside boot-meta (CI) passed or failed for a
 * release on a channel. A `verification` gate reads the newest one of its name.
 *
 * @example
 * await recordVerification(repo, { project: 'acme/app', version: '1.4.2', channel: 'beta', name: 'smoke', status: 'passed', url: 'https://ci.example/runs/81' });
 */
export async function recordVerification(repo: MetaRepo, opts: VerificationOptions): Promise<VerificationResult> {
  const channel = checkChannel(opts.channel);
  if (opts.status !== 'passed' && opts.status !== 'failed') {
    throw new MetaError('INVALID_ARGUMENT', `--status must be passed or failed, not '${String(opts.status).slice(0, 40)}'`, { status: opts.status });
  }
  const status: VerificationStatus = opts.status;
  if (typeof opts.name !== 'string' || opts.name.trim() === '' || opts.name.length > 128) {
    throw new MetaError('INVALID_ARGUMENT', 'a verification needs a --name of 1 to 128 characters (the name its gate waits for)', {});
  }
  // A link people (and the dashboard) follow: http(s) only, so no `javascript:` or `file:` lands in the record.
  if (opts.url && !/^https?:\/\/[^\s/]/i.test(opts.url)) {
    throw new MetaError('INVALID_ARGUMENT', '--url must be an http(s) URL (where to read more about the check, e.g. the CI run)', {});
  }
  const res = await writeRecords(repo, (snap, now) => {
    const project = requireProject(repo, snap, opts.project).name;
    requireDeclaredChannel(snap, project, channel);
    const rel = requireRelease(repo, snap, project, opts.version);
    const path = verificationPath(project, opts.version, channel, now);
    return {
      records: [{
        kind: 'verification', path,
        body: { project, release: { githash: rel.githash, version: opts.version }, channel, name: opts.name, status, url: opts.url ?? '', message: opts.message ?? '' },
      }],
      message: `verification ${opts.name} ${status}: ${project} ${opts.version} on ${channel}`,
      result: { project, path },
    };
  });
  return { project: res.value.project, version: opts.version, channel, name: opts.name, status, commit: res.commit, path: res.value.path, githash: res.records[0]!.githash };
}

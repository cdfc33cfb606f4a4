import { checkChannel } from '../records/names.js';
import { approvalPath } from '../records/layout.js';
import { requireDeclaredChannel } from './declaredNames.js';
import { requireProject, requireRelease } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { writeRecords } from './writeRecords.js';

export interface ApprovalOptions {
  project: string;
  version: string;
  channel: string;
  comment?: string;
}

export interface ApprovalResult {
  project: string;
  version: string;
  channel: string;
  /** Who approved: the writer's identity. */
  actor: string;
  commit: string;
  path: string;
  githash: string;
}

/**
 * Appends an Approval record: the writer (`repo.actor`) approves a release for a channel. An
 * `approvals` gate counts distinct actors, so approving twice changes nothing but the log.
 *
 * @example
 * await recordApproval(repo, { project: 'acme/app', version: '1.4.2', channel: 'stable', comment: 'release notes checked' });
 */
export async function recordApproval(repo: MetaRepo, opts: ApprovalOptions): Promise<ApprovalResult> {
  const channel = checkChannel(opts.channel);
  const res = await writeRecords(repo, (snap, now) => {
    const project = requireProject(repo, snap, opts.project).name;
    requireDeclaredChannel(snap, project, channel);
    const rel = requireRelease(repo, snap, project, opts.version);
    const path = approvalPath(project, opts.version, channel, now);
    return {
      records: [{ kind: 'approval', path, body: { project, release: { githash: rel.githash, version: opts.version }, channel, comment: opts.comment ?? '' } }],
      message: `approve ${project} ${opts.version} for ${channel}`,
      result: { project, path },
    };
  });
  return { project: res.value.project, version: opts.version, channel, actor: repo.actor, commit: res.commit, path: res.value.path, githash: res.records[0]!.githash };
}

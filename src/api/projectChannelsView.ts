import { channelView, type ChannelView } from './channelView.js';
import { channelState } from '../resolve/channelState.js';
import { projectSettingsView, type ProjectSettingsView } from './projectSettingsView.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pipelineAt } from './readPipeline.js';
import { pipelineStatus, type PipelineStatusView } from './pipelineStatus.js';

/** A project's channels at one commit: what is live on each, its pipeline, and its config and flags. */
export interface ProjectChannelsView {
  project: string;
  commit: string;
  time: string;
  channels: ChannelView[];
  /** Where each stage stands (`meta pipeline status --json`); null when the project has no pipeline. */
  pipeline: PipelineStatusView | null;
  /** Config layers and flag sets; secrets by name only. */
  settings: ProjectSettingsView;
}

/**
 * Everything about a project's channels the project page shows, read at one commit.
 *
 * @example
 * const v = projectChannelsView(repo, { project: 'acme/app' });
 * v.pipeline?.stages.map((s) => s.gates.map((g) => g.state));
 */
export function projectChannelsView(repo: MetaRepo, opts: { project: string; at?: string }): ProjectChannelsView {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  return {
    project,
    commit: snap.commit!,
    time: new Date(repo.store.readCommit(snap.commit!).committer.timestamp * 1000).toISOString(),
    channels: listChannelNames(snap, project).map((c) => channelView(repo, snap, channelState(snap, repo.reader, project, c))),
    // At the tip, soak gates are measured against now; at an older moment, against that commit.
    pipeline: pipelineAt(repo, snap, project) ? pipelineStatus(repo, { project, at: opts.at === undefined ? undefined : snap.commit! }) : null,
    settings: projectSettingsView(repo, snap, project),
  };
}

import { channelView, type ChannelView } from './channelView.js';
import { channelState } from '../resolve/channelState.js';
import { projectSettingsView, type ProjectSettingsView } from './projectSettingsView.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pipelineView, type PipelineView } from './pipelineView.js';

/** A project's channels at one commit: what is live on each, its pipeline, and its config and flags. */
export interface ProjectChannelsView {
  project: string;
  commit: string;
  time: string;
  channels: ChannelView[];
  /** Null when the project has no pipeline record. */
  pipeline: PipelineView | null;
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
    pipeline: pipelineView(repo, snap, project),
    settings: projectSettingsView(repo, snap, project),
  };
}

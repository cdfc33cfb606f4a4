import { channelState } from '../resolve/channelState.js';
import type { MetaRepo } from './openMeta.js';
import { channelView, type ChannelView } from './channelView.js';
import { requireChannel, requireProject, snapshotAt } from './lookup.js';

/**
 * A channel's state at a commit.
 *
 * @example
 * showChannel(repo, { project: 'acme/app', channel: 'stable', at: 'HEAD~3' }).current?.version;
 */
export function showChannel(repo: MetaRepo, opts: { project: string; channel: string; at?: string }): ChannelView {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  requireChannel(snap, project, opts.channel);
  return channelView(repo, snap, channelState(snap, repo.reader, project, opts.channel));
}

import { channelState } from '../resolve/channelState.js';
import type { MetaRepo } from './openMeta.js';
import { channelView, type ChannelView } from './channelView.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';

/**
 * Every channel of a project with what is live on it.
 *
 * @example
 * for (const c of listChannels(repo, { project: 'acme/app' })) console.log(c.channel, c.current?.version ?? '-');
 */
export function listChannels(repo: MetaRepo, opts: { project: string; at?: string }): ChannelView[] {
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  return listChannelNames(snap, project).map((c) => channelView(repo, snap, channelState(snap, repo.reader, project, c)));
}

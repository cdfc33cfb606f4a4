import { channelState } from '../resolve/channelState.js';
import { channelView, type ChannelView } from './channelView.js';
import { fleetSummary, type FleetSummary } from './fleetSummary.js';
import { listInstances } from './listInstances.js';
import { listChannelNames, listProjectNames, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { pageOf, type Page } from './pageOf.js';
import { projectPath } from '../records/layout.js';

/** One row of the project list: the project, what is live on each channel, and its fleet's health. */
export interface ProjectOverview {
  name: string;
  repoUrl: string;
  description: string;
  githash: string;
  channels: ChannelView[];
  fleet: FleetSummary;
}

export interface ProjectsOverview extends Page<ProjectOverview> {
  /** The commit everything was read at. */
  commit: string;
  /** That commit's time (ISO-8601). */
  time: string;
}

/**
 * Every project (a page of them, by name) with each channel's live release, when and by whom it
 * changed, and a summary of its fleet, all read at one commit.
 *
 * @example
 * for (const p of projectsOverview(repo, { at: '2026-03-01' }).items) console.log(p.name, p.channels.map((c) => c.current?.version));
 */
export function projectsOverview(repo: MetaRepo, opts: { at?: string; limit?: number; cursor?: string } = {}): ProjectsOverview {
  const snap = snapshotAt(repo, opts.at);
  const page = pageOf(listProjectNames(snap), (n) => n, { limit: opts.limit, cursor: opts.cursor });
  const items = page.items.map((name): ProjectOverview => {
    const hit = repo.reader.at(snap, projectPath(name), 'project')!;
    const channels = listChannelNames(snap, name).map((c) => channelView(repo, snap, channelState(snap, repo.reader, name, c)));
    return {
      name, repoUrl: hit.record.repoUrl, description: hit.record.description, githash: hit.oid, channels,
      fleet: fleetSummary(listInstances(repo, { project: name, at: snap.commit })),
    };
  });
  const time = new Date(repo.store.readCommit(snap.commit!).committer.timestamp * 1000).toISOString();
  return { commit: snap.commit!, time, items, next: page.next, total: page.total };
}

/**
 * The JSON shapes the dashboard reads, imported as types only from the operations that produce
 * them (dependency-cruiser allows the browser code nothing else from the Node layers).
 */
export type { ProjectsOverview, ProjectOverview } from '../api/projectsOverview.js';
export type { ChannelView } from '../api/channelView.js';
export type { ChannelHistoryPage } from '../api/channelHistoryPage.js';
export type { HistoryEntry } from '../api/channelHistory.js';
export type { ReleaseList, ReleaseSummary } from '../api/listReleases.js';
export type { ReleaseDetail } from '../api/describeRelease.js';
export type { BinarySummary } from '../api/releaseBinaries.js';
export type { MomentsDiff } from '../api/diffMoments.js';
export type { ChannelDiff } from '../api/diffChannel.js';
export type { InstancesView, InstanceView, ChannelFleet } from '../api/listInstances.js';
export type { ProjectView } from '../api/showProject.js';
export type { FleetSummary } from '../api/fleetSummary.js';

/** What the pages are given by the app shell. */
export interface PageProps {
  project?: string;
  version?: string;
  at?: string;
  query: URLSearchParams;
  token: string | null;
  /** Grows on every change of the repository while the page is live. */
  tick: number;
  /** Tells the shell which commit (and its time) the page shows, for the time control. */
  onMoment: (commit: string | undefined, time?: string) => void;
  navigate: (href: string) => void;
}
export type { ProjectChannelsView } from '../api/projectChannelsView.js';
export type { PipelineStatusView, StageStatus, GateStatus } from '../api/pipelineStatus.js';
export type { ProjectSettingsView, ConfigLayerView, FlagSetView } from '../api/projectSettingsView.js';
export type { ReleaseEvidence } from '../api/releaseEvidence.js';

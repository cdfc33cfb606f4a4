import { checkEnvironment } from '../records/names.js';
import { projectDir } from '../records/layout.js';
import type { InstanceReport } from '../records/types.js';
import { channelState } from '../resolve/channelState.js';
import { inWave } from '../resolve/inWave.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { listChannelNames, requireProject, snapshotAt } from './lookup.js';

export interface InstancesOptions {
  project: string;
  /** Only hosts of this environment. */
  env?: string;
  /** Commit, ref or ISO-8601 date (default: the tip). */
  at?: string;
  /** The time "how long lagging" is measured against (default: now). */
  now?: Date;
}

/** A host's latest report, joined with what its channel wants. */
export interface InstanceView {
  host: string;
  env: string;
  channel: string;
  version: string;
  digest: string;
  platform: string;
  /** The report's `region` label ('' when it has none): the dashboard groups hosts by it. */
  region: string;
  status: string;
  message: string;
  metaCommit: string;
  reportedAt: string;
  reportedBy: string;
  /**
   * The version the channel has live for this host at the read commit ('' when the host names no
   * known channel): during a rollout in waves, the release before for a host outside the live wave.
   */
  desired: string;
  /** Reports `running` the desired release (installing or failed is not current, whatever the version). */
  current: boolean;
  /** Seconds since the channel moved past what the host runs (0 when current or unknown). */
  lagSeconds: number;
  path: string;
}

export interface ChannelFleet {
  channel: string;
  desired: string;
  total: number;
  current: number;
  /** Hosts that run (or report nothing better than) another release: neither installing nor failed. */
  lagging: InstanceView[];
  /** Hosts whose newest report is `installing`. */
  installing: InstanceView[];
  /** Hosts whose newest report is `failed`. */
  failed: InstanceView[];
}

/** The stable `--json` shape of `meta instances`. */
export interface InstancesView {
  project: string;
  commit: string;
  env?: string;
  channels: ChannelFleet[];
  hosts: InstanceView[];
}

/** The newest report of every host below `projects/<p>/instances/[<env>]` (one listing per level, no history walk). */
function latestReports(repo: MetaRepo, snap: Snapshot, project: string, env?: string): { path: string; oid: string; record: InstanceReport; env: string }[] {
  const base = `${projectDir(project)}/instances`;
  const out: { path: string; oid: string; record: InstanceReport; env: string }[] = [];
  const SHARD = /^[0-9a-f]{2}$/;
  // Beside its shards, an environment's folder holds its personal environments' (`dev/alice`).
  const envs = env ? [env] : snap.list(base).filter((e) => e.mode === '40000').flatMap((e) => [
    e.name, ...snap.list(`${base}/${e.name}`).filter((d) => d.mode === '40000' && !SHARD.test(d.name)).map((d) => `${e.name}/${d.name}`),
  ]);
  for (const en of envs) {
    for (const shard of snap.list(`${base}/${en}`)) {
      if (shard.mode !== '40000' || !SHARD.test(shard.name)) continue;
      for (const host of snap.list(`${base}/${en}/${shard.name}`)) {
        if (host.mode !== '40000') continue;
        const hostDir = `${base}/${en}/${shard.name}/${host.name}`;
        // Month folders and report files are named by time, so the newest sorts last.
        const months = snap.list(hostDir).filter((e) => e.mode === '40000').map((e) => e.name).sort();
        for (let m = months.length - 1; m >= 0; m--) {
          const files = snap.list(`${hostDir}/${months[m]}`).filter((e) => e.name.endsWith('.pb')).sort((a, b) => (a.name < b.name ? -1 : 1));
          const last = files[files.length - 1];
          if (!last) continue;
          const path = `${hostDir}/${months[m]}/${last.name}`;
          out.push({ path, oid: last.oid, env: en, record: repo.reader.byOid(snap, last.oid, 'instance', { path, commit: snap.commit }) });
          break;
        }
      }
    }
  }
  return out;
}

/**
 * The fleet of a project joined with desired state: per host its latest report, per channel how
 * many hosts run the live release and which lag (with how long, or why they failed).
 *
 * @example
 * const v = listInstances(repo, { project: 'acme/app', env: 'prod' });
 * for (const c of v.channels) console.log(`${c.channel} → ${c.desired}: ${c.current} of ${c.total}`);
 */
export function listInstances(repo: MetaRepo, opts: InstancesOptions): InstancesView {
  if (opts.env) checkEnvironment(opts.env);
  const snap = snapshotAt(repo, opts.at);
  const project = requireProject(repo, snap, opts.project).name;
  const now = (opts.now ?? new Date()).getTime();
  const states = new Map(listChannelNames(snap, project).map((c) => [c, channelState(snap, repo.reader, project, c)]));
  const hosts: InstanceView[] = latestReports(repo, snap, project, opts.env).map(({ path, record: r, env }) => {
    const st = states.get(r.channel);
    // During a rollout in waves, a host outside the live wave is meant to keep the release before.
    const ro = st?.rollout;
    const desired = ro && !ro.complete && !inWave(project, r.channel, r.host, ro.percent) ? ro.fallback.version : (st?.current?.version ?? '');
    const current = desired !== '' && r.release.version === desired && r.status === 'running';
    let lagSeconds = 0;
    if (!current && st?.currentEntry) lagSeconds = Math.max(0, Math.round((now - Date.parse(st.currentEntry.record.header.createdAt)) / 1000));
    return {
      host: r.host, env, channel: r.channel, version: r.release.version, digest: r.binaryDigest,
      platform: r.platform.os ? [r.platform.os, r.platform.arch, r.platform.variant].filter(Boolean).join('/') : '',
      region: r.header.labels.find((l) => l.key === 'region')?.value ?? '',
      status: r.status, message: r.message, metaCommit: r.metaCommit, reportedAt: r.header.createdAt, reportedBy: r.header.actor,
      desired, current, lagSeconds, path,
    };
  }).sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.env < b.env ? -1 : 1));
  const channels: ChannelFleet[] = [];
  const byChannel = new Map<string, InstanceView[]>();
  for (const h of hosts) {
    let l = byChannel.get(h.channel);
    if (!l) byChannel.set(h.channel, (l = []));
    l.push(h);
  }
  for (const [channel, list] of [...byChannel].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    channels.push({
      channel, desired: states.get(channel)?.current?.version ?? '', total: list.length,
      current: list.filter((h) => h.current).length,
      lagging: list.filter((h) => !h.current && h.status !== 'installing' && h.status !== 'failed'),
      installing: list.filter((h) => h.status === 'installing'),
      failed: list.filter((h) => h.status === 'failed'),
    });
  }
  return { project, commit: snap.commit!, env: opts.env, channels, hosts };
}

import { MetaError } from '../errors/MetaError.js';
import { checkHost, formatPlatform, parsePlatform } from '../records/names.js';
import { binaryPath } from '../records/layout.js';
import type { Binary, Release, ReleaseRef } from '../records/types.js';
import { channelHead } from '../resolve/channelHead.js';
import { inWave } from '../resolve/inWave.js';
import { releaseYank } from '../resolve/releaseYank.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { releasePlatforms, requireChannel, requireProject, snapshotAt } from './lookup.js';
import { knownLocations } from './knownLocations.js';

export interface ResolveBinaryOptions {
  project: string;
  channel: string;
  platform: string;
  /** Commit, ref or ISO-8601 date (default: the tip). */
  at?: string;
  /**
   * The host asking: during a rollout in waves it gets the new release when it is in the live wave,
   * else the release live before. Without it the answer is the release rolling out.
   */
  host?: string;
}

/** The `rollout` of a resolve answer: the channel's rollout in waves, and where the asking host stands in it. */
export interface ResolvedRollout {
  /** The release rolling out. */
  version: string;
  /** What hosts outside the live wave run. */
  fallback: string;
  waves: number[];
  /** Index into `waves` of the live wave (0 = first). */
  wave: number;
  percent: number;
  complete: boolean;
  /** The host asked about (null when the caller named none). */
  host: string | null;
  /** Whether that host is in the live wave (null without a host). */
  inWave: boolean | null;
}

/** The stable `--json` shape of `meta resolve binary`. */
export interface ResolvedBinary {
  project: string;
  channel: string;
  /** The meta commit every record was read at. */
  commit: string;
  /**
   * The sequence of the promotion (or rollback) that made this release live; during a rollout in
   * waves, of the promotion that started it, also for a host answered with the fallback.
   */
  sequence: number;
  /**
   * The channel's newest record sequence at `commit` (≥ `sequence`: later holds and yanks count).
   * It only grows, so a follower refuses an answer below the one it last verified.
   */
  channelSequence: number;
  promotedAt: string;
  promotedBy: string;
  release: { version: string; githash: string; sources: Release['sources']; imports: Release['imports']; notes: string };
  /**
   * `locations`: every URL the binary can be fetched from, the binary record's own first, then the
   * copies verified later (location records). `regions`: the same list, each with the region a
   * location record gave it ('' when none), for clients that prefer a nearby copy.
   */
  binary: { platform: string; digest: string; size: number; mediaType: string; locations: string[]; regions: { url: string; region: string }[]; githash: string; path: string };
  /**
   * True when the live release was yanked: the channel still resolves to it (nothing changes
   * under a running fleet), but followers do not install it anew.
   */
  yanked: boolean;
  /** The yank's reason, author and time when `yanked`. */
  yank: { reason: string; by: string; at: string } | null;
  /**
   * Set while the channel's release rolls out in waves (`release` is then the one this host should
   * run); null when every host runs the channel's release. Absent from servers older than waves.
   */
  rollout?: ResolvedRollout | null;
}

/**
 * What should run on `platform` for `channel`, read at one commit: channel → release (by the
 * githash the promotion names) → binary (which must name the same release githash).
 *
 * @example
 * const r = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64', at: '2026-03-01' });
 * console.log(r.release.version, r.binary.digest, r.binary.locations[0]);
 */
export function resolveBinary(repo: MetaRepo, opts: ResolveBinaryOptions): ResolvedBinary {
  const snap = snapshotAt(repo, opts.at);
  return resolveBinaryIn(repo, snap, opts);
}

/** The same resolution on a snapshot the caller already holds. */
export function resolveBinaryIn(repo: MetaRepo, snap: Snapshot, opts: Omit<ResolveBinaryOptions, 'at'>): ResolvedBinary {
  const platform = parsePlatform(opts.platform);
  const project = requireProject(repo, snap, opts.project).name;
  requireChannel(snap, project, opts.channel);
  const state = channelHead(snap, repo.reader, project, opts.channel);
  if (!state.current || !state.currentEntry) {
    throw new MetaError('NOT_FOUND', `channel ${opts.channel} of ${project} has no live release at ${snap.commit!.slice(0, 12)}`, { project, channel: opts.channel, commit: snap.commit });
  }
  const host = opts.host === undefined ? undefined : checkHost(opts.host);
  const ro = state.rollout;
  let ref: ReleaseRef = state.current;
  let member: boolean | null = null;
  if (ro && !ro.complete && host !== undefined) {
    member = inWave(project, opts.channel, host, ro.percent);
    // A host outside the wave keeps the release live before, unless that one has no binary for
    // its platform: then it has nothing to fall back on and joins the rollout (as a first promotion does).
    if (!member && repo.reader.at(snap, binaryPath(project, ro.fallback.version, platform), 'binary')) ref = ro.fallback;
  }
  const release: Release = repo.reader.byOid(snap, ref.githash, 'release', { commit: snap.commit });
  if (release.version !== ref.version || release.project !== project) {
    throw new MetaError('INTEGRITY', `promotion ${state.currentEntry.path} names release ${ref.version} by githash ${ref.githash}, but that record is ${release.project} ${release.version}; run 'meta verify'`, { path: state.currentEntry.path, githash: ref.githash });
  }
  const bpath = binaryPath(project, ref.version, platform);
  const hit = repo.reader.at(snap, bpath, 'binary');
  if (!hit) {
    const have = releasePlatforms(snap, project, ref.version);
    throw new MetaError('NOT_FOUND', `release ${ref.version} (live on ${opts.channel}) has no ${formatPlatform(platform)} binary${have.length ? `; it has: ${have.join(', ')}` : '; it has no binaries yet'}`, { project, version: ref.version, platform: formatPlatform(platform), available: have });
  }
  const b: Binary = hit.record;
  if (b.release.githash !== ref.githash) {
    throw new MetaError('INTEGRITY', `binary ${bpath} belongs to release githash ${b.release.githash}, not ${ref.githash} that the channel names; run 'meta verify'`, { path: bpath });
  }
  const p = state.currentEntry.record;
  const y = releaseYank(snap, repo.reader, project, ref.version);
  const regions = knownLocations(repo, snap, { project, version: ref.version, binary: b }).map((l) => ({ url: l.url, region: l.region }));
  return {
    project,
    channel: opts.channel,
    commit: snap.commit!,
    sequence: p.sequence,
    channelSequence: Math.max(state.lastSequence, p.sequence),
    promotedAt: p.header.createdAt,
    promotedBy: p.header.actor,
    release: { version: release.version, githash: ref.githash, sources: release.sources, imports: release.imports, notes: release.notes },
    binary: { platform: formatPlatform(b.platform), digest: b.digest, size: b.size, mediaType: b.mediaType, locations: regions.map((l) => l.url), regions, githash: hit.oid, path: bpath },
    yanked: y !== null,
    yank: y ? { reason: y.reason, by: y.by, at: y.at } : null,
    rollout: ro ? { version: ro.target.version, fallback: ro.fallback.version, waves: ro.waves, wave: ro.wave, percent: ro.percent, complete: ro.complete, host: host ?? null, inWave: ro.complete && host !== undefined ? true : member } : null,
  };
}

import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { MetaError } from '../errors/MetaError.js';
import type { ResolvedBinary } from '../api/resolveBinary.js';
import { checkChannel, checkDigest, checkGithash, checkProjectName, checkVersion, formatPlatform, parsePlatform } from '../records/names.js';

/** What a follower remembers between runs (`<install-dir>/.meta-follow.json`). */
export interface FollowState {
  v: 1;
  project: string;
  channel: string;
  platform: string;
  /** The last meta commit whose answer was verified: newer answers must descend from it. */
  commit?: string;
  /**
   * The channel sequence of the last verified answer (`channelSequence`): an answer below it is
   * an old answer served again and is refused.
   */
  sequence?: number;
  /** The release that answer named (githash): another release at the same sequence is refused. */
  releaseGithash?: string;
  /** The release running now (what `current` points at). */
  version?: string;
  digest?: string;
  /** The last release whose hook failed: that version and digest are not retried until the channel moves on. */
  failed?: { digest: string; version: string; reason: string };
  /**
   * Locations that served other bytes than recorded, per (version, location): retried after a
   * backoff that doubles per failure, never skipped for good, and never held against another
   * version (or another location) with the same digest.
   */
  digestFailures?: DigestFailure[];
}

export interface DigestFailure {
  version: string;
  location: string;
  digest: string;
  failures: number;
  /** ISO-8601: a running follower tries this location again from then on. */
  retryAt: string;
}

/** The most digest failures kept: the newest win (a failure only delays a retry). */
export const MAX_DIGEST_FAILURES = 64;

export const STATE_FILE = '.meta-follow.json';
const MAX_STATE_BYTES = 64 * 1024;

function corrupt(why: string): MetaError {
  return new MetaError('CORRUPT_RECORD', `the install dir's ${STATE_FILE} is not a valid follower state (${why}); inspect it, then remove it to start over (the follower then forgets the channel sequence it last verified)`, { file: STATE_FILE });
}

function ok(test: () => boolean): boolean {
  try {
    return test();
  } catch {
    return false;
  }
}

/** Checks a parsed state file with the same rules as an answer; anything else is refused, never guessed. */
export function validateFollowState(raw: unknown): FollowState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('not a JSON object');
  const s = raw as Record<string, unknown>;
  const str = (v: unknown): v is string => typeof v === 'string';
  if (s.v !== 1) throw corrupt('unknown format version');
  if (!str(s.project) || !ok(() => checkProjectName(s.project as string) === s.project)) throw corrupt('project');
  if (!str(s.channel) || !ok(() => checkChannel(s.channel as string) === s.channel)) throw corrupt('channel');
  if (!str(s.platform) || !ok(() => formatPlatform(parsePlatform(s.platform as string)) === s.platform)) throw corrupt('platform');
  const out: FollowState = { v: 1, project: s.project, channel: s.channel, platform: s.platform };
  if (s.commit !== undefined) {
    if (!str(s.commit) || !/^[0-9a-f]{40}$/.test(s.commit)) throw corrupt('commit');
    out.commit = s.commit;
  }
  if (s.sequence !== undefined || s.releaseGithash !== undefined) {
    if (typeof s.sequence !== 'number' || !Number.isSafeInteger(s.sequence) || s.sequence < 1) throw corrupt('sequence');
    if (!str(s.releaseGithash) || !ok(() => checkGithash(s.releaseGithash as string) === s.releaseGithash)) throw corrupt('releaseGithash');
    out.sequence = s.sequence;
    out.releaseGithash = s.releaseGithash;
  }
  if (s.version !== undefined || s.digest !== undefined) {
    if (!str(s.version) || !ok(() => checkVersion(s.version as string) === s.version)) throw corrupt('version');
    if (!str(s.digest) || !ok(() => checkDigest(s.digest as string) === s.digest)) throw corrupt('digest');
    out.version = s.version;
    out.digest = s.digest;
  }
  if (s.failed !== undefined) {
    const f = s.failed as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null || !str(f.version) || !str(f.digest) || !str(f.reason)) throw corrupt('failed');
    if (!ok(() => checkVersion(f.version as string) === f.version) || !ok(() => checkDigest(f.digest as string) === f.digest)) throw corrupt('failed');
    out.failed = { version: f.version, digest: f.digest, reason: f.reason.slice(0, 4096) };
  }
  if (s.digestFailures !== undefined) {
    if (!Array.isArray(s.digestFailures) || s.digestFailures.length > MAX_DIGEST_FAILURES) throw corrupt('digestFailures');
    out.digestFailures = s.digestFailures.map((raw) => {
      const f = raw as Record<string, unknown> | null;
      if (typeof f !== 'object' || f === null || !str(f.version) || !str(f.location) || !str(f.digest) || !str(f.retryAt)) throw corrupt('digestFailures');
      if (!ok(() => checkVersion(f.version as string) === f.version) || !ok(() => checkDigest(f.digest as string) === f.digest)) throw corrupt('digestFailures');
      if (f.location.length > 4096 || /[\0-\x1f\x7f]/.test(f.location) || Number.isNaN(Date.parse(f.retryAt))) throw corrupt('digestFailures');
      if (typeof f.failures !== 'number' || !Number.isSafeInteger(f.failures) || f.failures < 1) throw corrupt('digestFailures');
      return { version: f.version, location: f.location, digest: f.digest, failures: f.failures, retryAt: f.retryAt };
    });
  }
  return out;
}

/**
 * The state kept in `installDir`, or undefined when there is none yet. A state that is not a
 * regular file, does not parse or breaks a rule is CORRUPT_RECORD: starting over silently would
 * forget the anti-rollback floor.
 */
export async function readFollowState(installDir: string): Promise<FollowState | undefined> {
  const file = `${installDir}/${STATE_FILE}`;
  let st;
  try {
    st = await fsp.lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MetaError('IO', `cannot read the install dir's ${STATE_FILE}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: STATE_FILE });
  }
  if (!st.isFile()) throw corrupt('not a regular file');
  if (st.size > MAX_STATE_BYTES) throw corrupt('too large');
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch {
    throw corrupt('not JSON');
  }
  return validateFollowState(raw);
}

/** Replaces the state file atomically (temp file, fsync, rename over: never follows a symlink). */
export async function writeFollowState(installDir: string, s: FollowState): Promise<void> {
  const tmp = `${installDir}/.meta-follow.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await fsp.open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(JSON.stringify(s, null, 2));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, `${installDir}/${STATE_FILE}`);
}

/**
 * Anti-rollback that does not depend on the server: a channel's sequence only grows (holds and
 * yanks are new records too), so an answer below the sequence last verified is an old answer
 * served again, and one at the same sequence naming another release is a forged or forked one.
 * A real rollback is a new record with a higher sequence and passes.
 */
export function checkNotOlder(state: FollowState, r: ResolvedBinary): void {
  if (state.sequence === undefined) return;
  if (r.channelSequence < state.sequence) {
    throw new MetaError('HISTORY_REWRITTEN', `the answer for channel ${r.channel} is at sequence ${r.channelSequence} (release ${r.release.version}), older than sequence ${state.sequence} that this follower already verified; refusing an old answer served again (a real rollback is a new record with a higher sequence)`, { sequence: r.channelSequence, verified: state.sequence, commit: r.commit });
  }
  if (r.channelSequence === state.sequence && r.release.githash !== state.releaseGithash) {
    throw new MetaError('HISTORY_REWRITTEN', `the answer for channel ${r.channel} names release ${r.release.version} at sequence ${r.channelSequence}, but this follower verified another release at that sequence; refusing a forged or rewritten channel`, { sequence: r.channelSequence, releaseGithash: r.release.githash, verified: state.releaseGithash, commit: r.commit });
  }
}

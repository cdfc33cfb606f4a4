import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { MetaError, isMetaError } from '../errors/MetaError.js';
import type { ResolvedBinary } from '../api/resolveBinary.js';
import { checkChannel, checkEnvironment, checkHost, checkProjectName, parsePlatform } from '../records/names.js';
import { backoffMs, pause } from '../util/pause.js';
import type { FollowSource } from './followSources.js';
import { checkNotOlder, readFollowState, writeFollowState, type FollowState } from './followState.js';
import { currentTarget, installRelease, runHook, switchCurrent } from './installRelease.js';
import { checkBinaryName, validateAnswer } from './validateAnswer.js';

export { readFollowState, type FollowState } from './followState.js';

export interface FollowOptions {
  project: string;
  channel: string;
  platform: string;
  installDir: string;
  source: FollowSource;
  /** Run after each install (`sh -c`, cwd = install dir, META_* variables set); a non-zero exit switches back. */
  exec?: string;
  /** Append/POST an InstanceReport after each install attempt. */
  report?: boolean;
  host?: string;
  env?: string;
  binaryName?: string;
  /** Stop after the first resolution (installing if needed). */
  once?: boolean;
  /** Stop after this many install attempts (successful or not). */
  maxIterations?: number;
  signal?: AbortSignal;
  /** Longest wait between two resolutions when nothing signals a change (ms, default 60 s). */
  recheckMs?: number;
  /** First delay after a network error (ms), doubled up to 60 s. */
  backoffMs?: number;
  log?: (line: string) => void;
  onProgress?: (bytes: number, total: number) => void;
  /** Hook output (default: discarded). */
  hookOutput?: (text: string) => void;
}

/**
 * Errors that mean "this answer must not be used" rather than "nothing to do yet": a one-shot
 * run exits with them; a long-running follower logs them and waits for the next change.
 */
const REFUSALS: ReadonlySet<string> = new Set(['HISTORY_REWRITTEN', 'AUTH', 'INVALID_NAME', 'INVALID_ARGUMENT', 'CORRUPT_RECORD', 'INTEGRITY']);

export interface FollowAttempt {
  version: string;
  digest: string;
  commit: string;
  ok: boolean;
  /** Why it failed: `digest mismatch: …`, `hook exit 3`, a download error. */
  reason?: string;
  reused?: boolean;
}

export interface FollowResult {
  attempts: FollowAttempt[];
  state: FollowState;
  /** Why the loop stopped. */
  stopped: 'once' | 'max-iterations' | 'aborted';
}

/**
 * The agent that runs on a server: on every change of its channel it resolves, downloads,
 * verifies (size + sha-256) before use, installs atomically (`releases/<version>/` + `current`
 * symlink), runs the hook, switches back when the hook fails, and reports. Every answer is checked
 * field by field first. It keeps the last verified meta commit and channel sequence, and refuses
 * answers whose history does not descend from it or whose sequence is older.
 *
 * @example
 * const source = await new LocalSource(openMeta({ dir: '/srv/meta' })).start();
 * await follow({ project: 'acme/app', channel: 'stable', platform: 'linux/amd64', installDir: '/opt/app', source, exec: 'systemctl restart app' });
 */
export async function follow(opts: FollowOptions): Promise<FollowResult> {
  checkProjectName(opts.project);
  checkChannel(opts.channel);
  parsePlatform(opts.platform);
  if (opts.binaryName !== undefined) checkBinaryName(opts.binaryName);
  const host = checkHost(opts.host ?? hostname());
  const env = checkEnvironment(opts.env ?? 'prod');
  const log = opts.log ?? (() => {});
  await fsp.mkdir(opts.installDir, { recursive: true });
  const prior = await readFollowState(opts.installDir);
  if (prior && (prior.project !== opts.project || prior.channel !== opts.channel || prior.platform !== opts.platform)) {
    throw new MetaError('PRECONDITION_FAILED', `the install dir follows ${prior.project} ${prior.channel} ${prior.platform}, not ${opts.project} ${opts.channel} ${opts.platform}; use another --install-dir`, { installDir: opts.installDir });
  }
  const state: FollowState = prior ?? { v: 1, project: opts.project, channel: opts.channel, platform: opts.platform };
  const attempts: FollowAttempt[] = [];
  let failures = 0;
  const recheck = opts.recheckMs ?? 60_000;

  const report = async (r: ResolvedBinary, ok: boolean, message: string) => {
    if (!opts.report) return;
    try {
      await opts.source.report({
        project: opts.project, host, env, channel: opts.channel, version: ok ? r.release.version : r.release.version, digest: ok ? r.binary.digest : undefined,
        platform: opts.platform, metaCommit: r.commit, status: ok ? 'running' : 'failed', message,
      });
    } catch (e) {
      log(`report failed: ${(e as Error).message}`);
    }
  };

  for (;;) {
    if (opts.signal?.aborted) return { attempts, state, stopped: 'aborted' };
    let r: ResolvedBinary | undefined;
    try {
      // Every source's answer passes here: checked field by field, then against what this
      // follower verified before, so no source can roll it back or steer its paths.
      r = validateAnswer(await opts.source.resolve({ project: opts.project, channel: opts.channel, platform: opts.platform, after: state.commit }), opts);
      checkNotOlder(state, r);
      failures = 0;
    } catch (e) {
      if (!isMetaError(e)) throw e;
      if (e.code === 'REMOTE' || e.code === 'IO' || e.code === 'LOCK_TIMEOUT') {
        const ms = backoffMs(++failures, { baseMs: opts.backoffMs ?? 1000, capMs: 60_000 });
        log(`${e.message}; retrying in ${ms} ms`);
        if (opts.once && failures > 5) throw e;
        await pause(ms, opts.signal);
        continue;
      }
      if (REFUSALS.has(e.code)) {
        if (opts.once) throw e;
        log(`refusing: ${e.message}`);
      } else log(`nothing to install: ${e.message}`);
      if (opts.once) return { attempts, state, stopped: 'once' };
      await opts.source.changed(recheck, opts.signal);
      continue;
    }

    const moved = state.commit !== r.commit || state.sequence !== r.channelSequence || state.releaseGithash !== r.release.githash;
    state.commit = r.commit;
    state.sequence = r.channelSequence;
    state.releaseGithash = r.release.githash;
    const running = await currentTarget(opts.installDir);
    const upToDate = r.binary.digest === state.digest && r.release.version === state.version && running === `releases/${r.release.version}`;
    if (upToDate || state.failed?.digest === r.binary.digest) {
      if (moved) await writeFollowState(opts.installDir, state);
    } else {
      const attempt = await installOne(opts, r, state, log);
      attempts.push(attempt);
      if (attempt.ok) {
        state.version = r.release.version;
        state.digest = r.binary.digest;
        state.failed = undefined;
      } else if (attempt.reason && !attempt.reason.startsWith('download:')) {
        state.failed = { digest: r.binary.digest, version: r.release.version, reason: attempt.reason };
      }
      await writeFollowState(opts.installDir, state);
      if (attempt.ok || !attempt.reason?.startsWith('download:')) {
        await report(r, attempt.ok, attempt.ok ? `installed ${r.release.version}${attempt.reused ? ' (already downloaded)' : ''}` : `${attempt.reason}; still running ${state.version ?? 'nothing'}`);
      }
      if (attempt.reason?.startsWith('download:')) {
        const ms = backoffMs(++failures, { baseMs: opts.backoffMs ?? 1000, capMs: 60_000 });
        if (!opts.once && !(opts.maxIterations && attempts.length >= opts.maxIterations)) {
          log(`retrying the download in ${ms} ms`);
          await pause(ms, opts.signal);
          continue;
        }
      }
      if (opts.maxIterations && attempts.length >= opts.maxIterations) return { attempts, state, stopped: 'max-iterations' };
    }
    if (opts.once) return { attempts, state, stopped: 'once' };
    await opts.source.changed(recheck, opts.signal);
  }
}

async function installOne(opts: FollowOptions, r: ResolvedBinary, state: FollowState, log: (l: string) => void): Promise<FollowAttempt> {
  const base = { version: r.release.version, digest: r.binary.digest, commit: r.commit };
  log(`installing ${opts.project} ${r.release.version} (${r.binary.digest}) from ${r.binary.locations.join(', ')}`);
  let installed;
  try {
    installed = await installRelease(r, { installDir: opts.installDir, binaryName: opts.binaryName, onProgress: opts.onProgress, log, signal: opts.signal });
  } catch (e) {
    // Only the bytes or the network are a failed attempt; an install dir that cannot be
    // written safely (IO, INTEGRITY, PRECONDITION_FAILED) stops the follower for a human to fix.
    if (!isMetaError(e) || !['DIGEST_MISMATCH', 'REMOTE', 'NOT_FOUND'].includes(e.code)) throw e;
    const reason = e.code === 'DIGEST_MISMATCH' ? `digest mismatch: ${e.message}` : `download: ${e.message}`;
    log(`not installed: ${reason}`);
    return { ...base, ok: false, reason };
  }
  if (opts.exec) {
    const code = await runHook(opts.exec, {
      META_PROJECT: opts.project, META_CHANNEL: opts.channel, META_VERSION: r.release.version, META_DIGEST: r.binary.digest,
      META_COMMIT: r.commit, META_BINARY: installed.path, META_INSTALL_DIR: opts.installDir, META_PREVIOUS_VERSION: state.version ?? '',
    }, opts.installDir, opts.hookOutput);
    if (code !== 0) {
      await switchCurrent(opts.installDir, installed.previousTarget);
      log(`hook exited ${code}: switched back to ${installed.previousTarget ?? 'nothing'}`);
      return { ...base, ok: false, reason: `hook exit ${code}` };
    }
  }
  log(`running ${r.release.version}`);
  return { ...base, ok: true, reused: installed.reused };
}

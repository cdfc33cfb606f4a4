import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { MetaError, isMetaError, type MetaErrorCode } from '../errors/MetaError.js';
import type { ResolvedBinary } from '../api/resolveBinary.js';
import { checkChannel, checkEnvironment, checkHost, checkProjectName, parsePlatform } from '../records/names.js';
import { backoffMs, pause } from '../util/pause.js';
import type { FollowSource } from './followSources.js';
import { checkNotOlder, MAX_DIGEST_FAILURES, readFollowState, writeFollowState, type FollowState } from './followState.js';
import { currentTarget, installRelease, runHook, switchCurrent } from './installRelease.js';
import { checkBinaryName, validateAnswer } from './validateAnswer.js';
import type { IdentityOptions } from '../api/resolveIdentities.js';

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
  /**
   * Write the merged config of `env` + channel here (JSON, atomically) before the install and its
   * hook, and again whenever it changes, even when the release does not.
   */
  configFile?: string;
  /** Write the channel's flag set here (flagd JSON, atomically) before the install, and again whenever it changes. */
  flagsFile?: string;
  /** Run (sh -c, cwd = install dir, META_CONFIG_FILE/META_FLAGS_FILE set) after the config or flags file changed while the release stayed. */
  onConfigChange?: string;
  /** Age identities that decrypt the environment's secrets for the config file. */
  identities?: IdentityOptions;
  /** Prefer the copies of this region; the others follow in their listed order, as the fallback. */
  region?: string;
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
  /** The error code of a failed attempt: DIGEST_MISMATCH, REMOTE, NOT_FOUND, or PRECONDITION_FAILED for a failed hook. */
  code?: MetaErrorCode;
}

export interface FollowResult {
  attempts: FollowAttempt[];
  state: FollowState;
  /** Why the loop stopped. */
  stopped: 'once' | 'max-iterations' | 'aborted';
  /**
   * Set when the host does not run the channel's release at the end, with the error code that
   * says why (`meta follow --once` exits with it): NOT_FOUND (nothing to install), PRECONDITION_FAILED
   * (yanked, or its hook failed), DIGEST_MISMATCH, REMOTE (no location could be downloaded).
   */
  pending?: { code: MetaErrorCode; message: string };
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
  let pending: FollowResult['pending'];
  let installFailures = 0;
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
    if (opts.signal?.aborted) return { attempts, state, stopped: 'aborted', pending };
    let r: ResolvedBinary | undefined;
    let configChanged = false;
    try {
      // Every source's answer passes here: checked field by field, then against what this
      // follower verified before, so no source can roll it back or steer its paths.
      const include = [...(opts.configFile ? ['config'] : []), ...(opts.flagsFile ? ['flags'] : [])];
      const raw = await opts.source.resolve({ project: opts.project, channel: opts.channel, platform: opts.platform, after: state.commit, host, ...(include.length ? { env, include } : {}) });
      r = validateAnswer(raw, { ...opts, host });
      checkNotOlder(state, r);
      if (opts.configFile) {
        // Before any install, so the hook starts the new release with its config in place.
        const { configFileContents } = await import('./followConfig.js');
        const { writeConfigFile } = await import('./writeConfigFile.js');
        const c = await configFileContents((raw as { config?: unknown }).config, { project: r.project, env, channel: opts.channel, commit: r.commit }, opts.source, opts.identities ?? {});
        configChanged = await writeConfigFile(opts.configFile, c.text, c.mode);
        if (configChanged) log(`wrote the config of ${env} ${opts.channel} at ${r.commit.slice(0, 12)}`);
      }
      if (opts.flagsFile) {
        const { flagsFileContents } = await import('./followFlags.js');
        const { writeConfigFile } = await import('./writeConfigFile.js');
        const text = await flagsFileContents((raw as { flags?: unknown }).flags);
        if (await writeConfigFile(opts.flagsFile, text, 0o644)) {
          configChanged = true;
          log(`wrote the flags of ${opts.channel} at ${r.commit.slice(0, 12)}`);
        }
      }
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
      if (opts.once) return { attempts, state, stopped: 'once', pending: { code: e.code, message: e.message } };
      await opts.source.changed(recheck, opts.signal);
      continue;
    }

    const moved = state.commit !== r.commit || state.sequence !== r.channelSequence || state.releaseGithash !== r.release.githash;
    state.commit = r.commit;
    state.sequence = r.channelSequence;
    state.releaseGithash = r.release.githash;
    const running = await currentTarget(opts.installDir);
    const upToDate = r.binary.digest === state.digest && r.release.version === state.version && running === `releases/${r.release.version}`;
    const version = r.release.version;
    if (upToDate) {
      pending = undefined;
      if (configChanged && opts.onConfigChange) {
        const code = await runHook(opts.onConfigChange, hookEnv(opts, r, state.version ?? ''), opts.installDir, opts.hookOutput);
        if (code !== 0) log(`--on-config-change exited ${code}`);
      }
      if (moved) await writeFollowState(opts.installDir, state);
      if (opts.once) return { attempts, state, stopped: 'once' };
      await opts.source.changed(recheck, opts.signal);
      continue;
    }
    // Reasons not to install at all: the release was withdrawn, or its hook failed here before.
    let refusal: string | undefined;
    if (r.yanked) refusal = `${version} is yanked${r.yank?.reason ? ` (${r.yank.reason})` : ''}: not installing a yanked release this host does not run; promote another release`;
    else if (state.failed && state.failed.digest === r.binary.digest && state.failed.version === version) {
      refusal = `${version} failed here before (${state.failed.reason}); not retried until the channel moves on`;
    }
    if (refusal) {
      if (moved) {
        log(`not installing: ${refusal}`);
        await writeFollowState(opts.installDir, state);
      }
      pending = { code: 'PRECONDITION_FAILED', message: refusal };
      if (opts.once) return { attempts, state, stopped: 'once', pending };
      await opts.source.changed(recheck, opts.signal);
      continue;
    }
    // A location that served other bytes waits out its backoff (a running follower only: a
    // one-shot run is someone asking now); the others are tried meanwhile.
    const now = Date.now();
    const waiting = opts.once ? [] : (state.digestFailures ?? []).filter((f) => f.version === version && r!.binary.locations.includes(f.location) && Date.parse(f.retryAt) > now);
    const ordered = opts.region ? [...r.binary.regions.filter((l) => l.region === opts.region), ...r.binary.regions.filter((l) => l.region !== opts.region)].map((l) => l.url) : r.binary.locations;
    const usable = ordered.filter((l) => !waiting.some((f) => f.location === l));
    if (r.binary.locations.length > 0 && usable.length === 0) {
      const next = Math.min(...waiting.map((f) => Date.parse(f.retryAt)));
      if (moved) {
        log(`every location of ${version} served other bytes than recorded; trying again at ${new Date(next).toISOString()}`);
        await writeFollowState(opts.installDir, state);
      }
      pending = { code: 'DIGEST_MISMATCH', message: `every location of ${version} served other bytes than recorded` };
      await opts.source.changed(Math.max(1, Math.min(recheck, next - now)), opts.signal);
      continue;
    }
    const attempt = await installOne(opts, r, state, log, usable);
    attempts.push(attempt);
    if (attempt.ok) {
      state.version = version;
      state.digest = r.binary.digest;
      state.failed = undefined;
      installFailures = 0;
      state.digestFailures = state.digestFailures?.filter((f) => f.version !== version);
      if (state.digestFailures?.length === 0) state.digestFailures = undefined;
      pending = undefined;
    } else {
      if (attempt.reason?.startsWith('hook exit')) state.failed = { digest: r.binary.digest, version, reason: attempt.reason };
      pending = { code: attempt.code ?? 'PRECONDITION_FAILED', message: `${version} not installed: ${attempt.reason}` };
    }
    await writeFollowState(opts.installDir, state);
    if (attempt.ok || !attempt.reason?.startsWith('download:')) {
      await report(r, attempt.ok, attempt.ok ? `installed ${version}${attempt.reused ? ' (already downloaded)' : ''}` : `${attempt.reason}; still running ${state.version ?? 'nothing'}`);
    }
    if (opts.maxIterations && attempts.length >= opts.maxIterations) return { attempts, state, stopped: 'max-iterations', pending };
    if (opts.once) return { attempts, state, stopped: 'once', pending };
    if (!attempt.ok && attempt.code !== 'PRECONDITION_FAILED') {
      // Its own count: a successful resolve in between must not reset the download backoff.
      const ms = backoffMs(++installFailures, { baseMs: opts.backoffMs ?? 1000, capMs: 60_000 });
      log(`trying again in ${ms} ms`);
      await pause(ms, opts.signal);
      continue;
    }
    await opts.source.changed(recheck, opts.signal);
  }
}

/** How long a location that served other bytes waits before it is tried again: 1 min, doubling up to 1 h. */
function digestRetryMs(failures: number): number {
  return Math.min(60_000 * 2 ** (failures - 1), 3_600_000);
}

/** Remembers that `location` served other bytes for `version`, pushing its next try back. */
function rememberDigestFailure(state: FollowState, version: string, location: string, digest: string): void {
  const list = state.digestFailures ?? [];
  const old = list.find((f) => f.version === version && f.location === location);
  const failures = (old?.failures ?? 0) + 1;
  const entry = { version, location, digest, failures, retryAt: new Date(Date.now() + digestRetryMs(failures)).toISOString() };
  state.digestFailures = [...list.filter((f) => f !== old), entry].slice(-MAX_DIGEST_FAILURES);
}

async function installOne(opts: FollowOptions, r: ResolvedBinary, state: FollowState, log: (l: string) => void, locations: string[]): Promise<FollowAttempt> {
  const base = { version: r.release.version, digest: r.binary.digest, commit: r.commit };
  log(`installing ${opts.project} ${r.release.version} (${r.binary.digest}) from ${locations.join(', ')}`);
  let installed;
  try {
    installed = await installRelease(r, {
      installDir: opts.installDir, binaryName: opts.binaryName, onProgress: opts.onProgress, log, signal: opts.signal, locations,
      onLocationError: (loc, e) => {
        if (e.code === 'DIGEST_MISMATCH') rememberDigestFailure(state, r.release.version, loc, r.binary.digest);
      },
    });
  } catch (e) {
    // Only the bytes or the network are a failed attempt; an install dir that cannot be
    // written safely (IO, INTEGRITY, PRECONDITION_FAILED) stops the follower for a human to fix.
    if (!isMetaError(e) || !['DIGEST_MISMATCH', 'REMOTE', 'NOT_FOUND'].includes(e.code)) throw e;
    const reason = e.code === 'DIGEST_MISMATCH' ? `digest mismatch: ${e.message}` : `download: ${e.message}`;
    log(`not installed: ${reason}`);
    return { ...base, ok: false, reason, code: e.code };
  }
  if (opts.exec) {
    const code = await runHook(opts.exec, { ...hookEnv(opts, r, state.version ?? ''), META_BINARY: installed.path }, opts.installDir, opts.hookOutput);
    if (code !== 0) {
      await switchCurrent(opts.installDir, installed.previousTarget);
      log(`hook exited ${code}: switched back to ${installed.previousTarget ?? 'nothing'}`);
      return { ...base, ok: false, reason: `hook exit ${code}`, code: 'PRECONDITION_FAILED' };
    }
  }
  log(`running ${r.release.version}`);
  return { ...base, ok: true, reused: installed.reused };
}

/** The META_* variables of a hook (META_BINARY is the caller's). */
function hookEnv(opts: FollowOptions, r: ResolvedBinary, previous: string): Record<string, string> {
  return {
    META_PROJECT: opts.project, META_CHANNEL: opts.channel, META_VERSION: r.release.version, META_DIGEST: r.binary.digest,
    META_COMMIT: r.commit, META_INSTALL_DIR: opts.installDir, META_PREVIOUS_VERSION: previous, META_CONFIG_FILE: opts.configFile ?? '', META_FLAGS_FILE: opts.flagsFile ?? '',
  };
}

import { MetaError } from '../errors/MetaError.js';
import type { Platform } from './types.js';

/**
 * Name rules. Every name becomes a path segment in the repository, so each is checked before
 * anything is written: no '..', empty segments, control characters or a leading '-' (which a
 * shell tool would read as an option).
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
/** Names of configured things outside records (remotes, webhooks): a short, shell-safe word. */
export const SIMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Names the project layout uses itself; a project path segment may not take them. */
export const RESERVED: ReadonlySet<string> = new Set(['releases', 'channels', 'instances', 'binaries', 'project.pb', 'pipeline', 'config', 'flags', 'locations', 'approvals', 'verifications', 'gates']);

function bad(what: string, value: string, rule: string, data: Record<string, unknown> = {}): MetaError {
  const shown = JSON.stringify(value);
  return new MetaError('INVALID_NAME', `invalid ${what} ${shown}: ${rule}`, { what, value, ...data });
}

function checkCommon(what: string, value: string): void {
  if (value === '') throw bad(what, value, 'it is empty');
  if (/[\0-\x1f\x7f]/.test(value)) throw bad(what, value, 'it contains control characters');
  if (value.startsWith('-')) throw bad(what, value, "it starts with '-'");
  if (value.includes('..')) throw bad(what, value, "it contains '..'");
}

/** `org/repo[/sub…]`: 1 to 8 segments of letters, digits, '.', '_' and '-'. */
export function checkProjectName(name: string): string {
  checkCommon('project', name);
  const parts = name.split('/');
  if (parts.some((p) => p === '')) throw bad('project', name, "it has an empty segment (leading, trailing or doubled '/')");
  if (parts.length > 8) throw bad('project', name, 'use at most 8 segments (org/repo/sub…)');
  for (const p of parts) {
    if (!SEGMENT.test(p)) throw bad('project', name, `segment '${p}' may hold only letters, digits, '.', '_' and '-' (not first), up to 100 characters`);
    if (RESERVED.has(p)) throw bad('project', name, `'${p}' is a folder name of the repository layout; choose another segment name`);
  }
  return name;
}

/** A release id such as `1.4.2`, `2026.03.01-rc.1` or `1.0.0+build.7`. */
export function checkVersion(version: string): string {
  checkCommon('version', version);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(version)) {
    throw bad('version', version, "use letters, digits, '.', '_', '+' and '-', starting with a letter or digit, up to 128 characters");
  }
  return version;
}

export function checkChannel(channel: string): string {
  checkCommon('channel', channel);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(channel)) throw bad('channel', channel, "use letters, digits, '.', '_' and '-', starting with a letter or digit");
  return channel;
}

const ENV_SEGMENT = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * An environment (`prod`) or a developer's personal sub-environment of one (`dev/alice`): one
 * level only. Both become path segments (`envs/dev/alice/secrets/…`,
 * `instances/dev/alice/<shard>/…`), so a developer name may not be `secrets` nor two hex digits
 * (the environment's own folders by those names hold its secrets and report shards).
 *
 * @example
 * checkEnvironment('dev/alice') // 'dev/alice'
 */
export function checkEnvironment(env: string): string {
  checkCommon('environment', env);
  const parts = env.split('/');
  if (parts.length > 2) throw bad('environment', env, 'write an environment as <env> or <env>/<developer> (one level of personal sub-environments)');
  if (!ENV_SEGMENT.test(parts[0]!)) throw bad('environment', env, "use lower-case letters, digits, '_' and '-', starting with a letter or digit, up to 64 characters");
  if (parts.length === 2) {
    const dev = parts[1]!;
    if (!ENV_SEGMENT.test(dev)) throw bad('environment', env, "a developer's name uses lower-case letters, digits, '_' and '-', starting with a letter or digit, up to 64 characters");
    if (dev === 'secrets' || /^[0-9a-f]{2}$/.test(dev)) {
      throw bad('environment', env, `'${dev}' names a folder of environment ${parts[0]} itself (its secrets, or a shard of its instance reports); choose another developer name`);
    }
  }
  return env;
}

/**
 * The environment a personal sub-environment belongs to (`dev` for `dev/alice`), or undefined
 * for an environment of its own.
 *
 * @example
 * parentEnvironment('dev/alice') // 'dev'
 */
export function parentEnvironment(env: string): string | undefined {
  const i = env.indexOf('/');
  return i < 0 ? undefined : env.slice(0, i);
}

/**
 * A name for a new project: the rules of {@link checkProjectName} and at least two segments
 * (`org/repo`), so every project sits under an organisation and the short form (`repo`) of a
 * name is never a project of its own.
 *
 * @example
 * checkNewProjectName('acme/app') // 'acme/app'
 */
export function checkNewProjectName(name: string): string {
  checkProjectName(name);
  if (!name.includes('/')) throw bad('project', name, `a project is named org/repo[/sub…] (at least two segments), e.g. <org>/${name}`);
  return name;
}

export function checkHost(host: string): string {
  checkCommon('host', host);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(host)) throw bad('host', host, "use a host name: letters, digits, '.', '_' and '-'");
  return host;
}

/**
 * Parses `os/arch[/variant]` (e.g. `linux/amd64`, `linux/arm/v7`). Segments may not contain '-',
 * because the binary's file name joins them with '-'.
 */
export function parsePlatform(spec: string): Platform {
  checkCommon('platform', spec);
  const parts = spec.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9][a-z0-9_.]{0,31}$/.test(p))) {
    throw bad('platform', spec, "write it as os/arch[/variant] in lower case, e.g. linux/amd64 or linux/arm/v7 (no '-')");
  }
  return { os: parts[0]!, arch: parts[1]!, variant: parts[2] ?? '' };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.arch}/${p.variant}` : `${p.os}/${p.arch}`;
}

/** `sha256:<64 hex>`; a bare 64-hex digest is accepted and normalised. */
export function checkDigest(digest: string): string {
  const d = digest.trim().toLowerCase();
  const m = /^(?:sha256:)?([0-9a-f]{64})$/.exec(d);
  if (!m) throw bad('digest', digest, 'write it as sha256:<64 hex digits>');
  return `sha256:${m[1]}`;
}

/** A source commit: a full sha-1 (40 hex) or sha-256 (64 hex) object name. */
export function checkCommitHash(commit: string, what = 'commit'): string {
  const c = commit.toLowerCase();
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(c)) throw bad(what, commit, 'give the full commit hash (40 hex digits for sha-1, 64 for sha-256), not a short hash or a branch name');
  return c;
}

export function checkGithash(hash: string, what = 'githash'): string {
  const h = hash.toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(h)) throw bad(what, hash, 'give the 40-hex git blob hash of the record');
  return h;
}

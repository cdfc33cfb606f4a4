import { MetaError } from '../errors/MetaError.js';
import type { ResolvedBinary, ResolvedRollout } from '../api/resolveBinary.js';
import { wavesAreValid } from '../resolve/channelRollout.js';
import { binaryPath } from '../records/layout.js';
import { checkChannel, checkCommitHash, checkDigest, checkGithash, checkProjectName, checkVersion, formatPlatform, parsePlatform } from '../records/names.js';

/**
 * A follower's only input from outside is a resolve answer (from `meta serve`, or read from a
 * repository another tool may have written), and its fields become file names, symlink targets,
 * hook variables and download URLs. So every field is checked with the rules the writers use,
 * and the follower works on the copy built here from checked parts only.
 */

/** The writers' rule for a binary location (`recordBinary`): a URL with a scheme, no spaces. */
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
const MAX_LOCATIONS = 64;
const REGION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_URL = 4096;
const MAX_TEXT = 64 * 1024;

export interface AnswerExpectation {
  project: string;
  channel: string;
  platform: string;
  /** The host the follower resolves for (a rollout in waves answers per host). */
  host?: string;
}

/** A value shown in an error: short, on one line, control characters escaped. */
function shown(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  // JSON escapes C0 controls; everything else beyond ASCII is escaped too, so no byte of the
  // answer can reorder or hide text in a terminal.
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s).replace(/[\u007f-\uffff]/g, (c) => (c === '…' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function corrupt(field: string, value: unknown, rule: string): MetaError {
  const what = field === 'answer' ? 'the resolve answer' : `the resolve answer's ${field}`;
  return new MetaError('CORRUPT_RECORD', `${what} ${shown(value)} is not valid (${rule}); not installing it: the server or repository is broken or hostile`, { field });
}

/** Applies a writer's rule to one field; its error becomes CORRUPT_RECORD naming the field. */
function rule<T>(field: string, value: unknown, check: (v: string) => T, what: string): T {
  if (typeof value !== 'string') throw corrupt(field, value, 'not a string');
  try {
    return check(value);
  } catch (e) {
    if (e instanceof MetaError) throw corrupt(field, value, what);
    throw e;
  }
}

function obj(field: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(field, v, 'not an object');
  return v as Record<string, unknown>;
}

function text(field: string, v: unknown, max = MAX_TEXT): string {
  if (typeof v !== 'string') throw corrupt(field, v, 'not a string');
  if (v.length > max) throw corrupt(field, v, `longer than ${max} characters`);
  return v;
}

/** One line of text without control characters (names, dates, media types). */
function line(field: string, v: unknown, max = 1024): string {
  const s = text(field, v, max);
  if (/[\0-\x1f\x7f]/.test(s)) throw corrupt(field, s, 'it contains control characters');
  return s;
}

function count(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw corrupt(field, v, `not a whole number ≥ ${min}`);
  return v;
}

/** Exactly the lower-case form a writer stores (the follower compares them as strings). */
function exact(field: string, v: unknown, check: (s: string) => string, what: string): string {
  const c = rule(field, v, check, what);
  if (c !== v) throw corrupt(field, v, what);
  return c;
}

const commitRule = 'a full 40-hex commit id in lower case';
const githashRule = 'a 40-hex git blob hash in lower case';
const checkCommit40 = (s: string) => checkGithash(s, 'commit');

/** The installed binary's file name: one path segment by the rule of a project name's segment. */
export function checkBinaryName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(name) || name.includes('..')) {
    throw new MetaError('INVALID_NAME', `invalid binary name ${shown(name)}: use one file name of letters, digits, '.', '_' and '-' (not first), up to 100 characters, without '..'`, { what: 'binary name' });
  }
  return name;
}

/**
 * Checks a resolve answer field by field against the writers' rules and against what was asked
 * (project, channel, platform), and returns a fresh copy holding only checked values. Throws
 * CORRUPT_RECORD naming the first bad field.
 *
 * @example
 * const r = validateAnswer(await res.json(), { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
 */
export function validateAnswer(raw: unknown, want: AnswerExpectation): ResolvedBinary {
  const a = obj('answer', raw);
  const project = rule('project', a.project, checkProjectName, 'a project name');
  // A server resolves a short name (`app`) to the full one (`acme/app`), as `meta` does locally.
  if (project !== want.project && !project.endsWith(`/${want.project}`)) throw corrupt('project', project, `the follower asked for ${want.project}`);
  const channel = rule('channel', a.channel, checkChannel, 'a channel name');
  if (channel !== want.channel) throw corrupt('channel', channel, `the follower asked for ${want.channel}`);
  const commit = exact('commit', a.commit, checkCommit40, commitRule);
  const sequence = count('sequence', a.sequence, 1);
  if (a.channelSequence === undefined) throw corrupt('channelSequence', a.channelSequence, 'missing: the server is older than this follower; upgrade it');
  const channelSequence = count('channelSequence', a.channelSequence, sequence);
  const promotedAt = line('promotedAt', a.promotedAt, 64);
  if (Number.isNaN(Date.parse(promotedAt))) throw corrupt('promotedAt', promotedAt, 'not an ISO-8601 time');
  const promotedBy = line('promotedBy', a.promotedBy);

  const rel = obj('release', a.release);
  const version = rule('release.version', rel.version, checkVersion, "a release id: letters, digits, '.', '_', '+' and '-', starting with a letter or digit, up to 128 characters");
  const releaseGithash = exact('release.githash', rel.githash, checkGithash, githashRule);
  if (!Array.isArray(rel.sources) || rel.sources.length > MAX_LOCATIONS) throw corrupt('release.sources', rel.sources, `not a list of at most ${MAX_LOCATIONS}`);
  const sources = rel.sources.map((s: unknown, i) => {
    const o = obj(`release.sources[${i}]`, s);
    return {
      url: line(`release.sources[${i}].url`, o.url, MAX_URL),
      commit: exact(`release.sources[${i}].commit`, o.commit, checkCommitHash, 'a full commit hash in lower case'),
      path: line(`release.sources[${i}].path`, o.path),
      tag: line(`release.sources[${i}].tag`, o.tag),
    };
  });
  if (!Array.isArray(rel.imports) || rel.imports.length > 1024) throw corrupt('release.imports', rel.imports, 'not a list of at most 1024');
  const imports = rel.imports.map((m: unknown, i) => {
    const o = obj(`release.imports[${i}]`, m);
    return {
      module: line(`release.imports[${i}].module`, o.module),
      version: o.version === '' ? '' : rule(`release.imports[${i}].version`, o.version, checkVersion, 'a release id'),
      githash: o.githash === '' ? '' : exact(`release.imports[${i}].githash`, o.githash, checkGithash, githashRule),
    };
  });
  const notes = text('release.notes', rel.notes);

  const bin = obj('binary', a.binary);
  const platform = formatPlatform(rule('binary.platform', bin.platform, parsePlatform, 'os/arch[/variant] in lower case'));
  const wantPlatform = formatPlatform(parsePlatform(want.platform));
  if (platform !== wantPlatform || bin.platform !== platform) throw corrupt('binary.platform', bin.platform, `the follower asked for ${wantPlatform}`);
  const digest = exact('binary.digest', bin.digest, checkDigest, 'sha256:<64 lower-case hex digits>');
  const size = count('binary.size', bin.size, 0);
  const mediaType = line('binary.mediaType', bin.mediaType, 255);
  if (!Array.isArray(bin.locations) || bin.locations.length > MAX_LOCATIONS) throw corrupt('binary.locations', bin.locations, `not a list of at most ${MAX_LOCATIONS} URLs`);
  const locations = bin.locations.map((u: unknown, i) => {
    const s = line(`binary.locations[${i}]`, u, MAX_URL);
    if (!URL_RE.test(s) || /[\u0080-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(s)) throw corrupt(`binary.locations[${i}]`, s, 'not a URL');
    return s;
  });
  // Absent from servers older than location records: every location then has no region.
  let regions = locations.map((url) => ({ url, region: '' }));
  if (bin.regions !== undefined) {
    if (!Array.isArray(bin.regions) || bin.regions.length > MAX_LOCATIONS) throw corrupt('binary.regions', bin.regions, `not a list of at most ${MAX_LOCATIONS}`);
    regions = bin.regions.map((x: unknown, i) => {
      const o = obj(`binary.regions[${i}]`, x);
      const url = line(`binary.regions[${i}].url`, o.url, MAX_URL);
      // Only the locations above: the list orders them, it cannot add one.
      if (!locations.includes(url)) throw corrupt(`binary.regions[${i}].url`, url, 'not one of binary.locations');
      const region = line(`binary.regions[${i}].region`, o.region, 64);
      if (region !== '' && !REGION_RE.test(region)) throw corrupt(`binary.regions[${i}].region`, region, "a region name: letters, digits, '.', '_' and '-'");
      return { url, region };
    });
  }
  const binaryGithash = exact('binary.githash', bin.githash, checkGithash, githashRule);
  const path = binaryPath(project, version, parsePlatform(platform));
  if (bin.path !== path) throw corrupt('binary.path', bin.path, "not where the repository layout keeps this release's binary");

  // Absent from servers older than yanks: such a server cannot know of one.
  if (a.yanked !== undefined && typeof a.yanked !== 'boolean') throw corrupt('yanked', a.yanked, 'not true or false');
  const yanked = a.yanked === true;
  let yank: ResolvedBinary['yank'] = null;
  if (yanked) {
    const y = obj('yank', a.yank);
    const reason = text('yank.reason', y.reason, 4096);
    if (/[\0-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/.test(reason)) throw corrupt('yank.reason', reason, 'it contains control characters');
    yank = { reason, by: line('yank.by', y.by), at: line('yank.at', y.at, 64) };
  } else if (a.yank !== undefined && a.yank !== null) throw corrupt('yank', a.yank, 'set although yanked is not true');

  const rollout = checkRollout(a.rollout, version, want.host);

  return {
    project, channel, commit, sequence, channelSequence, promotedAt, promotedBy,
    release: { version, githash: releaseGithash, sources, imports, notes },
    binary: { platform, digest, size, mediaType, locations, regions, githash: binaryGithash, path },
    yanked,
    yank,
    rollout,
  };
}

/**
 * The answer's rollout in waves, checked for shape and against the answer itself: the release
 * answered is the one rolling out or its fallback (the one rolling out for a host in the wave),
 * and it speaks of the host asked about. Absent from servers older than waves: null.
 */
function checkRollout(raw: unknown, version: string, host: string | undefined): ResolvedRollout | null {
  if (raw === undefined || raw === null) return null;
  const o = obj('rollout', raw);
  const target = rule('rollout.version', o.version, checkVersion, 'a release id');
  const fallback = rule('rollout.fallback', o.fallback, checkVersion, 'a release id');
  if (!Array.isArray(o.waves) || o.waves.length > 100 || !o.waves.every((w) => typeof w === 'number') || !wavesAreValid(o.waves as number[])) {
    throw corrupt('rollout.waves', o.waves, 'not whole percentages ascending to 100');
  }
  const waves = [...(o.waves as number[])];
  const wave = count('rollout.wave', o.wave, 0);
  if (wave >= waves.length) throw corrupt('rollout.wave', wave, `not an index into ${waves.length} waves`);
  if (o.percent !== waves[wave]) throw corrupt('rollout.percent', o.percent, `not the share of wave ${wave + 1}`);
  if (o.complete !== (wave === waves.length - 1)) throw corrupt('rollout.complete', o.complete, 'not whether the last wave is live');
  if (o.host !== null && (host === undefined || o.host !== host)) throw corrupt('rollout.host', o.host, host === undefined ? 'the follower named no host' : `the follower asked for ${host}`);
  if (o.host === null && host !== undefined) throw corrupt('rollout.host', o.host, `the follower asked for ${host}`);
  if (o.inWave !== null && typeof o.inWave !== 'boolean') throw corrupt('rollout.inWave', o.inWave, 'not true, false or null');
  if ((o.inWave === null) !== (o.host === null)) throw corrupt('rollout.inWave', o.inWave, 'not given exactly when a host is');
  if (version !== target && version !== fallback) throw corrupt('release.version', version, `neither the release rolling out (${target}) nor its fallback (${fallback})`);
  if ((o.inWave === true || o.host === null) && version !== target) throw corrupt('release.version', version, `not ${target}, which the rollout gives this host`);
  return { version: target, fallback, waves, wave, percent: waves[wave]!, complete: wave === waves.length - 1, host: o.host === null ? null : (o.host as string), inWave: o.inWave as boolean | null };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Platform } from './types.js';

/**
 * Where every record lives in the repository tree. Pure functions of names, so writers on different
 * machines agree on paths, and a path is unique per record: concurrent appends never collide
 * except where they must (one release version, one channel sequence).
 *
 * Sharding keeps every directory near or below ~1,000 entries, so an append rewrites only a few
 * small trees however large the repository grows:
 * - releases: 256 shards by the first two hex digits of sha-256(version);
 * - channel records: one folder per 1,000 sequence numbers;
 * - instance reports: 256 shards by host, then one folder per month.
 */
export const SEQ_PER_SHARD = 1000;

/** Files that may change in place (every version stays in history); every other path is append-only. */
export const MUTABLE_SETTINGS = ['meta.yaml', '.sops.yaml', '.gitattributes', 'README.md'] as const;

export function projectDir(project: string): string {
  return `projects/${project}`;
}

export function projectPath(project: string): string {
  return `${projectDir(project)}/project.pb`;
}

export function releaseShard(version: string): string {
  return createHash('sha256').update(version).digest('hex').slice(0, 2);
}

export function releaseDir(project: string, version: string): string {
  return `${projectDir(project)}/releases/${releaseShard(version)}/${version}`;
}

export function releasePath(project: string, version: string): string {
  return `${releaseDir(project, version)}/release.pb`;
}

export function platformFile(p: Platform): string {
  return p.variant ? `${p.os}-${p.arch}-${p.variant}` : `${p.os}-${p.arch}`;
}

export function binariesDir(project: string, version: string): string {
  return `${releaseDir(project, version)}/binaries`;
}

export function binaryPath(project: string, version: string, p: Platform): string {
  return `${binariesDir(project, version)}/${platformFile(p)}.pb`;
}

/**
 * A release's yank: one fixed file beside release.pb. A release is yanked once, so the folder
 * never grows, and two writers yanking the same release race for this one path.
 */
export function yankPath(project: string, version: string): string {
  return `${releaseDir(project, version)}/yank.pb`;
}

export function channelsDir(project: string): string {
  return `${projectDir(project)}/channels`;
}

export function channelDir(project: string, channel: string): string {
  return `${channelsDir(project)}/${channel}`;
}

export function seqShard(seq: number): string {
  return String(Math.floor(seq / SEQ_PER_SHARD)).padStart(5, '0');
}

export function promotionPath(project: string, channel: string, seq: number): string {
  return `${channelDir(project, channel)}/${seqShard(seq)}/${String(seq).padStart(10, '0')}.pb`;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** A unique, time-sorted file name for records that accumulate (reports, approvals, locations …). */
function timedFile(when: Date): string {
  return `${stamp(when)}-${randomBytes(4).toString('hex')}.pb`;
}

function sequenced(dir: string, seq: number): string {
  return `${dir}/${seqShard(seq)}/${String(seq).padStart(10, '0')}.pb`;
}

/** A project's pipeline, one record per version: `pipeline/<seq shard>/<seq>.pb`. */
export function pipelineDir(project: string): string {
  return `${projectDir(project)}/pipeline`;
}

export function pipelinePath(project: string, seq: number): string {
  return sequenced(pipelineDir(project), seq);
}

/** Approvals of a release for one channel, one file each (the approver is the record's actor). */
export function approvalsDir(project: string, version: string, channel: string): string {
  return `${releaseDir(project, version)}/approvals/${channel}`;
}

export function approvalPath(project: string, version: string, channel: string, when: Date): string {
  return `${approvalsDir(project, version, channel)}/${timedFile(when)}`;
}

export function verificationsDir(project: string, version: string, channel: string): string {
  return `${releaseDir(project, version)}/verifications/${channel}`;
}

export function verificationPath(project: string, version: string, channel: string, when: Date): string {
  return `${verificationsDir(project, version, channel)}/${timedFile(when)}`;
}

/** Gate evaluations of a release for one channel, with their evidence. */
export function gateResultsDir(project: string, version: string, channel: string): string {
  return `${releaseDir(project, version)}/gates/${channel}`;
}

export function gateResultPath(project: string, version: string, channel: string, when: Date): string {
  return `${gateResultsDir(project, version, channel)}/${timedFile(when)}`;
}

/** Verified copies of one binary of a release. */
export function binaryLocationsDir(project: string, version: string, p: Platform): string {
  return `${releaseDir(project, version)}/locations/${platformFile(p)}`;
}

export function binaryLocationPath(project: string, version: string, p: Platform, when: Date): string {
  return `${binaryLocationsDir(project, version, p)}/${timedFile(when)}`;
}

/**
 * A config layer's folder: `config/default` (project defaults), `config/env/<env>` or
 * `config/env/<env>/channel/<channel>`. The literal `channel` segment keeps a personal
 * environment (`dev/ada`) apart from an environment + channel.
 */
export function configDir(project: string, env = '', channel = ''): string {
  if (channel && !env) throw new Error('a channel config layer needs an environment');
  const base = `${projectDir(project)}/config`;
  if (!env) return `${base}/default`;
  return channel ? `${base}/env/${env}/channel/${channel}` : `${base}/env/${env}`;
}

export function configPath(project: string, env: string, channel: string, seq: number): string {
  return sequenced(configDir(project, env, channel), seq);
}

/** A channel's flag set, one record per version. */
export function flagsDir(project: string, channel: string): string {
  return `${projectDir(project)}/flags/${channel}`;
}

export function flagsPath(project: string, channel: string, seq: number): string {
  return sequenced(flagsDir(project, channel), seq);
}

export function instanceDir(project: string, env: string, host: string): string {
  const shard = createHash('sha256').update(host).digest('hex').slice(0, 2);
  return `${projectDir(project)}/instances/${env}/${shard}/${host}`;
}

/** Reports are named by time plus a random suffix: two reports never collide, and sort by time. */
export function instancePath(project: string, env: string, host: string, when: Date): string {
  const month = when.toISOString().slice(0, 7).replace('-', '');
  return `${instanceDir(project, env, host)}/${month}/${timedFile(when)}`;
}

export function eventPath(when: Date): string {
  const iso = when.toISOString();
  return `log/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${timedFile(when)}`;
}

/**
 * Secrets: `envs/<env>[/<developer>]/secrets/<name>/<shard>/<version>.sops.<ext>`, one file per version
 * (append-only), sharded by 1,000 versions like channel records. `ext` is the SOPS format's file
 * extension (`yaml`, `json`, `env`, `bin`), so `sops` picks the same store from the name.
 */
export function secretsDir(env: string): string {
  return `envs/${env}/secrets`;
}

export function secretDir(env: string, name: string): string {
  return `${secretsDir(env)}/${name}`;
}

export function secretPath(env: string, name: string, version: number, ext: string): string {
  return `${secretDir(env, name)}/${seqShard(version)}/${String(version).padStart(10, '0')}.sops.${ext}`;
}

/** What a path is, by the layout; `other` for anything outside it. */
export type PathClass =
  | { type: 'project'; project: string }
  | { type: 'release'; project: string; version: string }
  | { type: 'binary'; project: string; version: string; platform: string }
  | { type: 'yank'; project: string; version: string }
  | { type: 'promotion'; project: string; channel: string; sequence: number }
  | { type: 'instance'; project: string; env: string; host: string }
  | { type: 'event' }
  | { type: 'pipeline'; project: string; sequence: number }
  | { type: 'approval'; project: string; version: string; channel: string }
  | { type: 'verification'; project: string; version: string; channel: string }
  | { type: 'gate'; project: string; version: string; channel: string }
  | { type: 'location'; project: string; version: string; platform: string }
  | { type: 'config'; project: string; env: string; channel: string; sequence: number }
  | { type: 'flags'; project: string; channel: string; sequence: number }
  | { type: 'secret'; env: string; name: string; version: number }
  | { type: 'setting'; name: string }
  | { type: 'template' }
  | { type: 'other' };

/** Classifies a repository path by the layout (verify and `meta log --kind` use it). */
export function classifyPath(path: string): PathClass {
  if ((MUTABLE_SETTINGS as readonly string[]).includes(path)) return { type: 'setting', name: path };
  if (path.startsWith('hooks/')) return { type: 'template' };
  if (/^log\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.pb$/.test(path)) return { type: 'event' };
  // <env> or a personal <env>/<developer> (never a developer named 'secrets', so this reads one way).
  const sm = /^envs\/([^/]+(?:\/(?!secrets\/)[^/]+)?)\/secrets\/(.+)\/\d{5}\/(\d{10})\.sops\.(?:yaml|json|env|bin)$/.exec(path);
  if (sm) return { type: 'secret', env: sm[1]!, name: sm[2]!, version: Number(sm[3]) };
  if (!path.startsWith('projects/')) return { type: 'other' };
  let m = /^projects\/(.+)\/project\.pb$/.exec(path);
  if (m && !/\/(releases|channels|instances|pipeline|config|flags)\//.test(`/${m[1]}/`)) return { type: 'project', project: m[1]! };
  m = /^projects\/(.+?)\/releases\/[0-9a-f]{2}\/([^/]+)\/release\.pb$/.exec(path);
  if (m) return { type: 'release', project: m[1]!, version: m[2]! };
  m = /^projects\/(.+?)\/releases\/[0-9a-f]{2}\/([^/]+)\/binaries\/([^/]+)\.pb$/.exec(path);
  if (m) return { type: 'binary', project: m[1]!, version: m[2]!, platform: m[3]!.split('-').join('/') };
  m = /^projects\/(.+?)\/releases\/[0-9a-f]{2}\/([^/]+)\/yank\.pb$/.exec(path);
  if (m) return { type: 'yank', project: m[1]!, version: m[2]! };
  m = /^projects\/(.+?)\/releases\/[0-9a-f]{2}\/([^/]+)\/(approvals|verifications|gates)\/([^/]+)\/\d{8}T\d{9}Z-[0-9a-f]{8}\.pb$/.exec(path);
  if (m) {
    const type = ({ approvals: 'approval', verifications: 'verification', gates: 'gate' } as const)[m[3] as 'approvals' | 'verifications' | 'gates'];
    return { type, project: m[1]!, version: m[2]!, channel: m[4]! };
  }
  m = /^projects\/(.+?)\/releases\/[0-9a-f]{2}\/([^/]+)\/locations\/([^/]+)\/\d{8}T\d{9}Z-[0-9a-f]{8}\.pb$/.exec(path);
  if (m) return { type: 'location', project: m[1]!, version: m[2]!, platform: m[3]!.split('-').join('/') };
  m = /^projects\/(.+?)\/pipeline\/\d{5}\/(\d{10})\.pb$/.exec(path);
  if (m) return { type: 'pipeline', project: m[1]!, sequence: Number(m[2]) };
  m = /^projects\/(.+?)\/flags\/([^/]+)\/\d{5}\/(\d{10})\.pb$/.exec(path);
  if (m) return { type: 'flags', project: m[1]!, channel: m[2]!, sequence: Number(m[3]) };
  m = /^projects\/(.+?)\/config\/default\/\d{5}\/(\d{10})\.pb$/.exec(path);
  if (m) return { type: 'config', project: m[1]!, env: '', channel: '', sequence: Number(m[2]) };
  // Greedy: the last `/channel/<name>` names the channel, so env `dev/channel` still reads one way.
  m = /^projects\/(.+?)\/config\/env\/(.+)\/channel\/([^/]+)\/\d{5}\/(\d{10})\.pb$/.exec(path);
  if (m) return { type: 'config', project: m[1]!, env: m[2]!, channel: m[3]!, sequence: Number(m[4]) };
  m = /^projects\/(.+?)\/config\/env\/(.+)\/\d{5}\/(\d{10})\.pb$/.exec(path);
  if (m) return { type: 'config', project: m[1]!, env: m[2]!, channel: '', sequence: Number(m[3]) };
  m = /^projects\/(.+?)\/channels\/([^/]+)\/\d{5}\/(\d{10})\.pb$/.exec(path);
  if (m) return { type: 'promotion', project: m[1]!, channel: m[2]!, sequence: Number(m[3]) };
  // The fixed depth below the shard tells `<env>/<shard>/<host>` from `<env>/<developer>/<shard>/<host>`.
  m = /^projects\/(.+?)\/instances\/([^/]+(?:\/[^/]+)?)\/[0-9a-f]{2}\/([^/]+)\/\d{6}\/[^/]+\.pb$/.exec(path);
  if (m) return { type: 'instance', project: m[1]!, env: m[2]!, host: m[3]! };
  return { type: 'other' };
}

/**
 * meta.yaml's storage settings: `storage.s3.endpoint` (an S3-compatible server) and
 * `replication` (which projects' binaries are copied where, automatically). One reader for the
 * settings validator, the storage commands and the replicator, so they agree on what is valid.
 */
import { MetaError } from '../errors/MetaError.js';
import { formatPlatform } from '../records/names.js';
import type { Platform } from '../records/types.js';
import { parseLocation } from '../storage/parseLocation.js';
import type { SettingsProblem } from './settingsProblem.js';

/** One destination of a replication rule: a location template and the region it stands for. */
export interface ReplicationTarget {
  /** `s3://eu-builds/{project}/{version}/{platform}`: placeholders from {@link TEMPLATE_FIELDS} only. */
  url: string;
  region: string;
}

/** Binaries of `projects` are copied to every `to`. */
export interface ReplicationRule {
  /** Full project names, or `org/*` (every project under a prefix), or `*`. */
  projects: string[];
  to: ReplicationTarget[];
}

/** What a location template may name. Each value is a checked record name, so none holds `..`. */
export const TEMPLATE_FIELDS = ['project', 'version', 'platform', 'os', 'arch', 'digest'] as const;
export type TemplateValues = Record<(typeof TEMPLATE_FIELDS)[number], string>;

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const REGION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*(\/\*)?)$/;

/** The values a template is filled with for one binary. */
export function templateValues(project: string, version: string, platform: Platform, digest: string): TemplateValues {
  return { project, version, platform: formatPlatform(platform), os: platform.os, arch: platform.arch, digest: digest.replace(/^sha256:/, '') };
}

/**
 * Fills a location template and checks the result as any location is checked. Values are record
 * names already validated by the writers' rules (no segment of them is `.` or `..`, none holds
 * `\` or a control character), so the result names a location under the template's own prefix.
 *
 * @example
 * expandLocation('s3://eu/{project}/{version}/{platform}', templateValues('acme/app', '1.2.0', { os: 'linux', arch: 'amd64', variant: '' }, d));
 * // 's3://eu/acme/app/1.2.0/linux/amd64'
 */
export function expandLocation(template: string, values: TemplateValues): string {
  const url = template.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) throw new MetaError('INVALID_ARGUMENT', `location template placeholder {${name}} is not one of ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}`, { placeholder: name });
    return values[name as keyof TemplateValues];
  });
  parseLocation(url, 'replication location');
  return url;
}

/** True when `project` matches one of the patterns (`acme/app`, `acme/*`, `*`). */
export function projectMatches(patterns: readonly string[], project: string): boolean {
  return patterns.some((p) => p === '*' || p === project || (p.endsWith('/*') && project.startsWith(p.slice(0, -1))));
}

function checkTemplate(url: string): string | undefined {
  const unknown = [...url.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((n) => !(TEMPLATE_FIELDS as readonly string[]).includes(n));
  if (unknown.length) return `uses {${unknown[0]}}; placeholders are ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}`;
  if (/[{}]/.test(url.replace(/\{[a-z]+\}/g, ''))) return 'has an unbalanced { or }';
  try {
    expandLocation(url, { project: 'org/repo', version: '1.0.0', platform: 'linux/amd64', os: 'linux', arch: 'amd64', digest: '0'.repeat(64) });
  } catch (e) {
    return (e as Error).message.replace(/^replication location /, '');
  }
  return undefined;
}

/**
 * Reads `replication:`, reporting every problem by its dotted key; invalid rules and targets are
 * left out of what is returned, so one bad entry does not stop the others.
 *
 * @example
 * const { rules, problems } = readReplication(readMetaSettings(snap));
 */
export function readReplication(settings: Record<string, unknown>): { rules: ReplicationRule[]; problems: SettingsProblem[] } {
  const list = settings.replication;
  const problems: SettingsProblem[] = [];
  const rules: ReplicationRule[] = [];
  if (list === undefined || list === null) return { rules, problems };
  if (!Array.isArray(list)) return { rules, problems: [{ key: 'replication', message: 'must be a list of {projects, to} rules' }] };
  list.forEach((r, i) => {
    const at = `replication.${i}`;
    if (!isMap(r)) return void problems.push({ key: at, message: 'must be a mapping {projects: [...], to: [{url, region}]}' });
    for (const k of Object.keys(r)) if (!['projects', 'to'].includes(k)) problems.push({ key: `${at}.${k}`, message: 'is not a setting of a replication rule (known: projects, to)', warning: true });
    const projects = r.projects;
    if (!Array.isArray(projects) || projects.length === 0 || projects.some((p) => typeof p !== 'string' || !PATTERN.test(p))) {
      return void problems.push({ key: `${at}.projects`, message: "must be a list of project names or patterns such as 'acme/app', 'acme/*' or '*'" });
    }
    if (!Array.isArray(r.to) || r.to.length === 0) return void problems.push({ key: `${at}.to`, message: 'must be a list of destinations {url, region}' });
    const to: ReplicationTarget[] = [];
    r.to.forEach((t: unknown, j) => {
      const tat = `${at}.to.${j}`;
      if (!isMap(t)) return void problems.push({ key: tat, message: 'must be a mapping {url, region}' });
      for (const k of Object.keys(t)) if (!['url', 'region'].includes(k)) problems.push({ key: `${tat}.${k}`, message: 'is not a setting of a destination (known: url, region)', warning: true });
      if (typeof t.url !== 'string') return void problems.push({ key: `${tat}.url`, message: 'must be a location: s3://bucket/…, file:///…, or http(s)://…' });
      const why = checkTemplate(t.url);
      if (why) return void problems.push({ key: `${tat}.url`, message: why });
      if (t.region !== undefined && (typeof t.region !== 'string' || !REGION.test(t.region))) return void problems.push({ key: `${tat}.region`, message: "must be a region name: letters, digits, '.', '_' and '-'" });
      to.push({ url: t.url, region: (t.region as string | undefined) ?? '' });
    });
    if (to.length) rules.push({ projects: projects as string[], to });
  });
  return { rules, problems };
}

/** Reads `storage:` (`storage.s3.endpoint`), with its problems. */
export function readStorageSettings(settings: Record<string, unknown>): { s3Endpoint?: string; problems: SettingsProblem[] } {
  const s = settings.storage;
  const problems: SettingsProblem[] = [];
  if (s === undefined || s === null) return { problems };
  if (!isMap(s)) return { problems: [{ key: 'storage', message: 'must be a mapping {s3: {endpoint}}' }] };
  for (const k of Object.keys(s)) if (k !== 's3') problems.push({ key: `storage.${k}`, message: 'is not a setting of storage (known: s3)', warning: true });
  if (s.s3 === undefined || s.s3 === null) return { problems };
  if (!isMap(s.s3)) return { problems: [...problems, { key: 'storage.s3', message: 'must be a mapping {endpoint}' }] };
  for (const k of Object.keys(s.s3)) if (k !== 'endpoint') problems.push({ key: `storage.s3.${k}`, message: 'is not a setting of storage.s3 (known: endpoint)', warning: true });
  const e = s.s3.endpoint;
  if (e === undefined || e === null) return { problems };
  let ok = false;
  if (typeof e === 'string') {
    try {
      const u = new URL(e);
      ok = /^https?:$/.test(u.protocol) && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      ok = false;
    }
  }
  if (!ok) return { problems: [...problems, { key: 'storage.s3.endpoint', message: 'must be an http(s) URL of an S3-compatible server, without credentials (e.g. http://127.0.0.1:9000)' }] };
  return { s3Endpoint: e as string, problems };
}

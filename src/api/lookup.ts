/**
 * Lookups at a snapshot that every read and write of the API starts with: the snapshot `--at`
 * names, and a project, release or channel by name. They belong together because they share one
 * contract: a name that is not there is a NOT_FOUND that says what exists and, in a shallow clone,
 * that it may be older than the boundary; so every command refuses a wrong name the same way.
 */
import { MetaError } from '../errors/MetaError.js';
import { checkChannel, checkProjectName, checkVersion, RESERVED } from '../records/names.js';
import { binariesDir, channelsDir, projectPath, releasePath } from '../records/layout.js';
import type { Project, Release } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { explainBeforeBoundary } from './shallowBoundaries.js';

/** The snapshot `--at` names (default: the tip). */
export function snapshotAt(repo: MetaRepo, at?: string): Snapshot {
  let commit: string;
  try {
    commit = repo.store.resolveAt(at);
  } catch (e) {
    throw at === undefined ? e : explainBeforeBoundary(repo, at, e);
  }
  return repo.store.snapshot(commit);
}

/** Every project at a snapshot (folders holding a project.pb), sorted by name. */
export function listProjectNames(snap: Snapshot): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const e of snap.list(dir)) {
      // A project's own layout folders never hold nested projects (names.ts forbids those segments).
      if (e.mode === '40000' && depth < 8 && !RESERVED.has(e.name)) walk(`${dir}/${e.name}`, depth + 1);
      else if (e.name === 'project.pb' && dir !== 'projects') out.push(dir.slice('projects/'.length));
    }
  };
  walk('projects', 0);
  return out.sort();
}

/**
 * Finds a project by its full name, or by a unique last segment (`app` for `acme/app`), so the
 * short names people use in conversation work on the command line.
 */
export function requireProject(repo: MetaRepo, snap: Snapshot, name: string): { name: string; record: Project; githash: string } {
  checkProjectName(name);
  const hit = repo.reader.at(snap, projectPath(name), 'project');
  if (hit) return { name, record: hit.record, githash: hit.oid };
  const all = listProjectNames(snap);
  const matches = all.filter((p) => p.endsWith(`/${name}`));
  if (matches.length === 1) {
    const full = matches[0]!;
    const h = repo.reader.at(snap, projectPath(full), 'project')!;
    return { name: full, record: h.record, githash: h.oid };
  }
  if (matches.length > 1) throw new MetaError('INVALID_ARGUMENT', `project '${name}' is ambiguous: ${matches.join(', ')}; give the full name`, { project: name, candidates: matches });
  throw new MetaError('NOT_FOUND', `no project '${name}'${all.length ? ` (known: ${all.slice(0, 10).join(', ')}${all.length > 10 ? ', …' : ''})` : ''}; add it with 'meta project add ${name} --repo-url <url>'`, { project: name, known: all });
}

/**
 * The full name to filter by (events, log) for a project given by full or short name. A full
 * name (`org/repo…`) the repository does not hold yet stays as given, so a watcher can wait for
 * a project that is still to come; a short one must name exactly one project.
 *
 * @example
 * projectFilterName(repo, snap, 'app') // 'acme/app'
 */
export function projectFilterName(repo: MetaRepo, snap: Snapshot, name: string): string {
  checkProjectName(name);
  try {
    return requireProject(repo, snap, name).name;
  } catch (e) {
    if (e instanceof MetaError && e.code === 'NOT_FOUND' && name.includes('/')) return name;
    throw e;
  }
}

export function requireRelease(repo: MetaRepo, snap: Snapshot, project: string, version: string): { record: Release; githash: string; path: string } {
  checkVersion(version);
  const path = releasePath(project, version);
  const hit = repo.reader.at(snap, path, 'release');
  if (!hit) {
    throw new MetaError('NOT_FOUND', `project ${project} has no release ${version}${snap.commit ? ` at ${snap.commit.slice(0, 12)}` : ''}; record it with 'meta release record ${project} --version ${version} --source <url>@<commit>'`, { project, version, commit: snap.commit });
  }
  return { record: hit.record, githash: hit.oid, path };
}

/** The platforms a release has binaries for, as `os/arch[/variant]`. */
export function releasePlatforms(snap: Snapshot, project: string, version: string): string[] {
  return snap.list(binariesDir(project, version)).filter((e) => e.name.endsWith('.pb')).map((e) => e.name.slice(0, -3).split('-').join('/'));
}

export function listChannelNames(snap: Snapshot, project: string): string[] {
  return snap.list(channelsDir(project)).filter((e) => e.mode === '40000').map((e) => e.name);
}

export function requireChannel(snap: Snapshot, project: string, channel: string): void {
  checkChannel(channel);
  if (!snap.exists(`${channelsDir(project)}/${channel}`)) {
    const known = listChannelNames(snap, project);
    throw new MetaError('NOT_FOUND', `project ${project} has no channel '${channel}'${known.length ? ` (channels: ${known.join(', ')})` : ' (no channel has been promoted yet)'}; a channel starts with 'meta channel promote ${project} ${channel} <version>'`, { project, channel, known });
  }
}

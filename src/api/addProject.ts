import { MetaError } from '../errors/MetaError.js';
import { checkNewProjectName } from '../records/names.js';
import { projectPath } from '../records/layout.js';
import { checkUrl } from '../records/validate.js';
import type { Label } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import { listProjectNames } from './lookup.js';
import type { MetaRepo } from './openMeta.js';
import { writeRecords } from './writeRecords.js';

export interface AddProjectOptions {
  /** `org/repo[/sub]` */
  name: string;
  repoUrl: string;
  mainPath?: string;
  owners?: string[];
  description?: string;
  labels?: Label[];
}

export interface AddProjectResult {
  project: string;
  githash: string;
  path: string;
  commit: string;
}

/**
 * Where a new project may go, given the projects at a snapshot: not inside another project's
 * folder (it would shadow that project's layout), not around other projects (`acme` after
 * `acme/web`: every later `acme/*` would then sit inside it), and no folder on its path may
 * differ only in case from an existing one (`Acme/web` next to `acme/web`: a case-insensitive
 * file system, macOS's or Windows', checks both out into one folder).
 */
function checkProjectPlace(snap: Snapshot, name: string): void {
  const parts = name.split('/');
  let dir = 'projects';
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    const here = snap.list(dir).filter((e) => e.mode === '40000');
    const clash = here.find((e) => e.name !== seg && e.name.toLowerCase() === seg.toLowerCase());
    if (clash) {
      const existing = [...parts.slice(0, i), clash.name].join('/');
      throw new MetaError('INVALID_NAME', `project ${name}: '${seg}' differs only in case from the existing ${existing}; case-insensitive file systems (macOS, Windows) would mix up their folders, so write it as ${[...parts.slice(0, i), clash.name, ...parts.slice(i + 1)].join('/')}`, { what: 'project', value: name, existing });
    }
    if (!here.some((e) => e.name === seg)) return; // a new folder from here on: nothing below to collide with
    dir = `${dir}/${seg}`;
    if (i < parts.length - 1 && snap.exists(`${dir}/project.pb`)) {
      const parent = parts.slice(0, i + 1).join('/');
      throw new MetaError('INVALID_NAME', `project ${name} would sit inside project ${parent}; choose a name outside it`, { project: name, parent });
    }
  }
  // The folder exists but holds no project.pb of its own: other projects live below it.
  const inside = listProjectNames(snap).filter((p) => p.startsWith(`${name}/`));
  throw new MetaError('INVALID_NAME', `project ${name} would contain the existing project${inside.length > 1 ? 's' : ''} ${inside.slice(0, 5).join(', ')}${inside.length > 5 ? ', …' : ''}; choose a name that is not a folder of another project`, { project: name, contains: inside });
}

/**
 * Adds a project: `projects/<org>/<repo>[/<sub>]/project.pb`. The name has at least two
 * segments; it may not sit inside another project, contain one, or differ only in case from
 * one (INVALID_NAME, exit 2).
 *
 * @example
 * await addProject(repo, { name: 'acme/app', repoUrl: 'https://github.com/acme/app' });
 */
export async function addProject(repo: MetaRepo, opts: AddProjectOptions): Promise<AddProjectResult> {
  const name = checkNewProjectName(opts.name);
  if (!opts.repoUrl) throw new MetaError('INVALID_ARGUMENT', 'a project needs --repo-url <url> (where its source lives)', {});
  checkUrl('project.repoUrl', opts.repoUrl);
  const path = projectPath(name);
  const res = await writeRecords(repo, (snap) => {
    if (snap.exists(path)) throw new MetaError('ALREADY_EXISTS', `project ${name} already exists; records are immutable`, { project: name, path });
    checkProjectPlace(snap, name);
    return {
      records: [{ kind: 'project', path, labels: opts.labels, body: { name, repoUrl: opts.repoUrl, mainPath: opts.mainPath ?? '', owners: opts.owners ?? [], description: opts.description ?? '' } }],
      message: `add project ${name}`,
      result: null,
    };
  });
  return { project: name, githash: res.records[0]!.githash, path, commit: res.commit };
}

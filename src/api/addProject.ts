import { MetaError } from '../errors/MetaError.js';
import { checkProjectName } from '../records/names.js';
import { projectPath } from '../records/layout.js';
import { checkUrl } from '../records/validate.js';
import type { Label } from '../records/types.js';
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
 * Adds a project: `projects/<org>/<repo>[/<sub>]/project.pb`.
 *
 * @example
 * await addProject(repo, { name: 'acme/app', repoUrl: 'https://github.com/acme/app' });
 */
export async function addProject(repo: MetaRepo, opts: AddProjectOptions): Promise<AddProjectResult> {
  const name = checkProjectName(opts.name);
  if (!opts.repoUrl) throw new MetaError('INVALID_ARGUMENT', 'a project needs --repo-url <url> (where its source lives)', {});
  checkUrl('project.repoUrl', opts.repoUrl);
  const path = projectPath(name);
  const res = await writeRecords(repo, (snap) => {
    if (snap.exists(path)) throw new MetaError('ALREADY_EXISTS', `project ${name} already exists; records are immutable`, { project: name, path });
    // A project inside another project's folder would shadow its layout.
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (snap.exists(projectPath(parent))) throw new MetaError('INVALID_NAME', `project ${name} would sit inside project ${parent}; choose a name outside it`, { project: name, parent });
    }
    return {
      records: [{ kind: 'project', path, labels: opts.labels, body: { name, repoUrl: opts.repoUrl, mainPath: opts.mainPath ?? '', owners: opts.owners ?? [], description: opts.description ?? '' } }],
      message: `add project ${name}`,
      result: null,
    };
  });
  return { project: name, githash: res.records[0]!.githash, path, commit: res.commit };
}

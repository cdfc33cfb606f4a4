import { MetaError } from '../errors/MetaError.js';
import { checkCommitHash, checkGithash, checkVersion } from '../records/names.js';
import { releasePath } from '../records/layout.js';
import { checkUrl, urlCredentials } from '../records/validate.js';
import type { Label, ModuleImport, Source } from '../records/types.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject } from './lookup.js';
import { writeRecords } from './writeRecords.js';

export interface RecordReleaseOptions {
  project: string;
  version: string;
  /** Every source repository the release was built from. */
  sources: { url: string; commit: string; path?: string; tag?: string }[];
  imports?: { module: string; version?: string; githash?: string }[];
  notes?: string;
  labels?: Label[];
}

export interface RecordReleaseResult {
  project: string;
  version: string;
  githash: string;
  path: string;
  commit: string;
}

/** Checks a whole `--source`/`--import` argument for credentials before a message quotes it. */
function safeToQuote(flag: string, spec: string): string {
  if (urlCredentials(spec) !== undefined) checkUrl(flag, spec);
  return spec;
}

/**
 * Parses `--source <url>@<commit>`: the last '@' splits, so `git@host:org/repo.git@<sha>` works.
 * An optional `#<path>` after the commit names a subfolder.
 */
export function parseSourceSpec(spec: string): { url: string; commit: string; path?: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) {
    throw new MetaError('INVALID_ARGUMENT', `--source '${safeToQuote('--source', spec)}' must be <url>@<full commit hash>`, { source: spec });
  }
  const url = checkUrl('--source', spec.slice(0, at));
  let commit = spec.slice(at + 1);
  let path: string | undefined;
  const hash = commit.indexOf('#');
  if (hash >= 0) {
    path = commit.slice(hash + 1);
    commit = commit.slice(0, hash);
  }
  // The message quotes the commit part alone: when `@<commit>` was left out, the split fell inside
  // the URL (`https://token@host/repo` gives `https://token` and `host/repo`), so the URL half
  // may be a credential that no check recognises.
  return { url, commit: checkCommitHash(commit, 'commit (after the last "@") of --source'), path };
}

/** Parses `--import <module>@<version-or-githash>`. */
export function parseImportSpec(spec: string): { module: string; version?: string; githash?: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) {
    throw new MetaError('INVALID_ARGUMENT', `--import '${safeToQuote('--import', spec)}' must be <module>@<version or release githash>`, { import: spec });
  }
  const module = checkUrl('--import', spec.slice(0, at));
  const v = spec.slice(at + 1);
  return /^[0-9a-f]{40}$/.test(v) ? { module, githash: v } : { module, version: checkVersion(v) };
}

/**
 * Records a release: the git hash of every source repository it was built from.
 *
 * @example
 * await recordRelease(repo, { project: 'acme/app', version: '1.4.2',
 *   sources: [{ url: 'https://github.com/acme/app', commit: '9fceb02d0ae598e95dc970b74767f19372d61af8' }] });
 */
export async function recordRelease(repo: MetaRepo, opts: RecordReleaseOptions): Promise<RecordReleaseResult> {
  const version = checkVersion(opts.version);
  if (opts.sources.length === 0) throw new MetaError('INVALID_ARGUMENT', 'a release needs at least one --source <url>@<commit>', {});
  const sources: Source[] = opts.sources.map((s, i) => {
    if (!s.url) throw new MetaError('INVALID_ARGUMENT', 'a source needs a repository URL', {});
    // Before anything quotes the URL in a message.
    checkUrl(`release.sources[${i}].url`, s.url);
    return { url: s.url, commit: checkCommitHash(s.commit, `commit of source ${s.url}`), path: s.path ?? '', tag: s.tag ?? '' };
  });
  const seen = new Set<string>();
  for (const s of sources) {
    const k = `${s.url}#${s.path}`;
    if (seen.has(k)) throw new MetaError('INVALID_ARGUMENT', `source ${s.url}${s.path ? `#${s.path}` : ''} is given twice; give each repository once`, { url: s.url });
    seen.add(k);
  }
  const imports: ModuleImport[] = (opts.imports ?? []).map((i, n) => ({
    module: checkUrl(`release.imports[${n}].module`, i.module),
    version: i.version ? checkVersion(i.version) : '',
    githash: i.githash ? checkGithash(i.githash, `githash of import ${i.module}`) : '',
  }));
  let projectName = opts.project;
  const res = await writeRecords(repo, (snap) => {
    projectName = requireProject(repo, snap, opts.project).name;
    const path = releasePath(projectName, version);
    if (snap.exists(path)) {
      throw new MetaError('ALREADY_EXISTS', `release ${version} of ${projectName} already exists; release ids are unique and records immutable, so record a new version`, { project: projectName, version, path });
    }
    return {
      records: [{ kind: 'release', path, labels: opts.labels, body: { project: projectName, version, sources, imports, notes: opts.notes ?? '' } }],
      message: `record release ${projectName} ${version}`,
      result: path,
    };
  });
  return { project: projectName, version, githash: res.records[0]!.githash, path: res.value, commit: res.commit };
}

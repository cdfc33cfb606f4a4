/**
 * Declared channels and environments. Records are immutable, so a mistyped channel or
 * environment would be a folder forever: a write names only what meta.yaml declares
 * (`channels:`, `environments:`, added with `meta channel add` / `meta env add`), or a name that
 * already has records (repositories from before declarations keep working: that name is
 * written already). Names that differ only in case are refused everywhere: a case-insensitive
 * file system (macOS, Windows) would check both out into one folder.
 */
import { MetaError } from '../errors/MetaError.js';
import { channelsDir, projectDir } from '../records/layout.js';
import { parentEnvironment } from '../records/names.js';
import type { Snapshot } from '../store/Snapshot.js';
import { orList, suggest } from '../util/suggest.js';
import { listChannelNames, listProjectNames } from './lookup.js';
import { readMetaSettings } from './readMetaSettings.js';

/** The channels and environments meta.yaml declares (entries that are not strings are skipped). */
export interface DeclaredNames {
  channels: string[];
  environments: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * The declared channels and environments at a snapshot.
 *
 * @example
 * declaredNames(repo.store.snapshot()).channels // ['stable', 'beta']
 */
export function declaredNames(snap: Snapshot): DeclaredNames {
  const s = readMetaSettings(snap);
  return { channels: strings(s.channels), environments: strings(s.environments) };
}

const folders = (snap: Snapshot, dir: string): string[] => snap.list(dir).filter((e) => e.mode === '40000').map((e) => e.name);

function unknown(what: 'channel' | 'environment', name: string, declared: string[], data: Record<string, unknown>, existing: string[] = []): MetaError {
  // Names that already have records are as good a guess as declared ones.
  const near = suggest(name, [...declared, ...existing]);
  const add = `declare a new one with 'meta ${what === 'channel' ? 'channel' : 'env'} add ${name}'`;
  const listed = declared.length ? `declared: ${declared.join(', ')}` : 'meta.yaml declares none';
  return new MetaError('NOT_FOUND', near.length ? `unknown ${what} ${name}; did you mean ${orList(near)}? ${add}` : `unknown ${what} ${name} (${listed}); ${add}`, { [what]: name, declared, suggestions: near, ...data });
}

function caseClash(what: string, name: string, existing: string, where: string): MetaError {
  return new MetaError('INVALID_NAME', `${what} ${name} differs only in case from the existing ${what} ${existing}${where}: case-insensitive file systems (macOS, Windows) would mix up their folders; use ${existing}`, { what, value: name, existing });
}

/**
 * Refuses a channel of `project` that is neither declared nor already has records there
 * (NOT_FOUND, exit 3, with the closest declared names), or that differs only in case from one
 * of the project's channels (INVALID_NAME).
 *
 * @example
 * requireDeclaredChannel(snap, 'acme/app', 'stabel'); // unknown channel stabel; did you mean stable? …
 */
export function requireDeclaredChannel(snap: Snapshot, project: string, channel: string): void {
  const existing = listChannelNames(snap, project);
  if (existing.includes(channel)) return;
  const clash = existing.find((c) => c.toLowerCase() === channel.toLowerCase());
  if (clash) throw caseClash('channel', channel, clash, ` of ${project}`);
  const { channels } = declaredNames(snap);
  if (channels.includes(channel)) return;
  throw unknown('channel', channel, channels, { project }, existing);
}

/**
 * The environment folders that exist at a snapshot on the level of `env` (top-level ones, or
 * the personal ones of its parent): under `envs/` (secrets) and, with a project, under its
 * `instances/` (reports).
 */
function existingEnvironments(snap: Snapshot, env: string, project?: string): string[] {
  const parent = parentEnvironment(env);
  const out = new Set<string>();
  const add = (base: string, skip: (name: string) => boolean): void => {
    for (const n of folders(snap, parent === undefined ? base : `${base}/${parent}`)) if (!skip(n)) out.add(parent === undefined ? n : `${parent}/${n}`);
  };
  add('envs', (n) => parent !== undefined && n === 'secrets');
  if (project !== undefined) add(`${projectDir(project)}/instances`, (n) => parent !== undefined && /^[0-9a-f]{2}$/.test(n));
  return [...out];
}

/**
 * Refuses an environment (or personal `env/developer`) that is neither declared nor already
 * holds secrets (or, with `project`, that project's instance reports): NOT_FOUND, exit 3, with
 * the closest declared names. One that differs only in case from an existing one is
 * INVALID_NAME.
 *
 * @example
 * requireDeclaredEnvironment(snap, 'dev/alice', { project: 'acme/app' });
 */
export function requireDeclaredEnvironment(snap: Snapshot, env: string, opts: { project?: string } = {}): void {
  const existing = existingEnvironments(snap, env, opts.project);
  if (existing.includes(env)) return;
  const { environments } = declaredNames(snap);
  const clash = [...existing, ...environments].find((e) => e !== env && e.toLowerCase() === env.toLowerCase());
  if (clash) throw caseClash('environment', env, clash, '');
  if (environments.includes(env)) return;
  throw unknown('environment', env, environments, opts.project ? { project: opts.project } : {}, existing);
}

/**
 * Checks a channel about to be declared against what the repository already holds: a declared
 * channel or any project's channel folder that differs from it only in case (INVALID_NAME).
 *
 * @example
 * checkNewChannel(snap, 'Stable'); // throws: differs only in case from the existing channel stable
 */
export function checkNewChannel(snap: Snapshot, channel: string, declared: readonly string[] = declaredNames(snap).channels): void {
  const lower = channel.toLowerCase();
  const twin = declared.find((c) => c !== channel && c.toLowerCase() === lower);
  if (twin) throw caseClash('channel', channel, twin, ' (declared in meta.yaml)');
  for (const p of listProjectNames(snap)) {
    const clash = folders(snap, channelsDir(p)).find((c) => c !== channel && c.toLowerCase() === lower);
    if (clash) throw caseClash('channel', channel, clash, ` of ${p}`);
  }
}

/**
 * Checks an environment about to be declared against what the repository already holds: a
 * declared environment or secrets folder that differs from it only in case (INVALID_NAME). A
 * personal environment needs its parent declared (NOT_FOUND), and may not take the name of a
 * secret folder of its parent (`dev/alice` while `dev` has a secret `alice/…`: `dev/alice/…`
 * would then read two ways).
 *
 * @example
 * checkNewEnvironment(snap, 'dev/alice');
 */
export function checkNewEnvironment(snap: Snapshot, env: string, declared: readonly string[] = declaredNames(snap).environments): void {
  const lower = env.toLowerCase();
  const parent = parentEnvironment(env);
  if (parent !== undefined && !declared.includes(parent)) {
    throw unknown('environment', parent, declared.filter((e) => !e.includes('/')), { personal: env });
  }
  // Environment names are lower case by rule; this catches folders another tool wrote.
  for (const n of [...declared, ...existingEnvironments(snap, env)]) if (n !== env && n.toLowerCase() === lower) throw caseClash('environment', env, n, '');
  if (parent !== undefined) {
    const dev = env.slice(parent.length + 1);
    const secret = folders(snap, `envs/${parent}/secrets`).find((n) => n.toLowerCase() === dev);
    if (secret) {
      throw new MetaError('INVALID_NAME', `environment ${parent} has a secret folder ${secret}, so ${env}/<name> would name two things; choose another developer name`, { what: 'environment', value: env, existing: `${parent}/${secret}` });
    }
  }
}

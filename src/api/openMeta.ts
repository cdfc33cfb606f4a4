import { homedir, hostname, userInfo } from 'node:os';
import { MetaError } from '../errors/MetaError.js';
import { formatLineOf } from './formatLineOf.js';
import type { SyncFs } from '../store/fs.js';
import type { Repository } from '../store/Repository.js';
import { Store } from '../store/Store.js';
import { RecordReader } from '../resolve/RecordReader.js';
import type { Label } from '../records/types.js';
import type { PushPolicy } from './PushPolicy.js';
import { diskFs } from './diskFs.js';
import { repositoryDir, shownRepositoryDir } from './repositoryDir.js';

/** An open meta repository: what every API function takes first. */
export interface MetaRepo {
  /** The repository: snapshots, appends, the log index (see {@link Repository}). */
  readonly store: Repository;
  readonly reader: RecordReader;
  /** Who writes: stored in record headers and as the commit author. */
  readonly actor: string;
  /** Labels added to the header of every record written through this handle (`meta serve`: on-behalf-of). */
  readonly recordLabels?: readonly Label[];
  readonly dir: string;
  readonly env: Record<string, string | undefined>;
  /** The time writes are stamped with (records' headers and commits). */
  readonly clock: () => Date;
  /** Where the library reports things worth knowing that are not errors (a stale lock cleared). */
  readonly warn: (message: string) => void;
  /**
   * Whether writes through this handle push: a policy (push), `false` (stay local), or undefined
   * (as `push:` in meta.yaml says). Set by `openMeta({ push })` or `setAutoPush`.
   */
  pushPolicy?: PushPolicy | false;
  close(): void;
}

export interface OpenOptions {
  /** Repository directory (default: `$META_REPO`, else the current directory). */
  dir?: string;
  /** The disk (default) or a memfs volume for an in-memory repository: every file goes through it. */
  fs?: SyncFs;
  /** Default: `$META_ACTOR`, else git's `user.name <user.email>`, else `user@host`. */
  actor?: string;
  /** Environment to read META_* variables from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** fsync objects as well as refs: survives power loss at the cost of a sync per object. */
  fsyncObjects?: boolean;
  /** Time source for writes (default: the system clock); tests and imports of old history set it. */
  clock?: () => Date;
  /** Receives warnings (default: `process.emitWarning`; the CLI prints them on stderr). */
  warn?: (message: string) => void;
  /**
   * How error messages name the repository directory (default: `dir` as given, else
   * `$META_REPO`, else "the current directory"), so they repeat only what the user gave.
   */
  shownAs?: string;
  /** Push every write (`true` or a policy) or none (`false`), overriding `push:` in meta.yaml. */
  push?: PushPolicy | boolean;
}

/** The `format` values of meta.yaml this version reads and writes. */
export const META_FORMATS: readonly number[] = [1];

const USE_REPO = "pass --repo <dir> (or set META_REPO) naming a meta repository made by 'meta init' or 'meta clone'";

/**
 * Refuses (NOT_A_META_REPO) a repository whose tip is not a meta repository's: no commits, no
 * `meta.yaml`, or a `format` this version does not know. A repository is a meta repository from
 * the moment `meta init` or `meta clone` moves its branch, by one atomic rename, onto a commit
 * holding meta.yaml; before that (or after one of them was interrupted) it has no commits, which
 * no meta repository in use ever has, so it is refused too.
 *
 * The format is read from its top-level `format: <n>` line without a YAML parser, which stays
 * off the start-up path of every command; `meta init` writes that line and settings updates keep it.
 */
export function assertMetaRepository(store: Repository, where: string, tip: string | undefined = store.tip()): void {
  if (!tip) {
    throw new MetaError('NOT_A_META_REPO', `found an empty git repository (no commits) in ${where}, not a meta repository: 'meta init' and 'meta clone' leave none behind unless interrupted, so if one of them was, remove the directory and run it again; otherwise ${USE_REPO}`, { dir: where, found: 'empty' });
  }
  const snap = store.snapshot(tip);
  const e = snap.entry('meta.yaml');
  if (!e || e.mode === '40000') {
    throw new MetaError('NOT_A_META_REPO', `found a git repository in ${where} whose tip (${tip.slice(0, 12)}) has no meta.yaml, so 'meta init' or 'meta clone' did not make it and boot-meta writes nothing to it; ${USE_REPO}`, { dir: where, found: 'no-meta-yaml', commit: tip });
  }
  const format = formatLineOf(Buffer.from(snap.readBlob(e.oid)).toString('utf8'));
  if (format === undefined) {
    throw new MetaError('NOT_A_META_REPO', `meta.yaml at the tip (${tip.slice(0, 12)}) of the repository in ${where} has no single top-level 'format: <number>' line, so it is not a meta repository boot-meta can read; restore the line 'format: 1' if this is one`, { dir: where, found: 'no-format', commit: tip });
  }
  if (!META_FORMATS.includes(format)) {
    throw new MetaError('NOT_A_META_REPO', `meta.yaml in ${where} says format ${format}, which this version of boot-meta does not know (it knows ${META_FORMATS.join(', ')}); ${format > Math.max(...META_FORMATS) ? 'upgrade boot-meta' : 'the repository is not one boot-meta can read'}`, { dir: where, found: 'unknown-format', format, commit: tip });
  }
}

/**
 * Opens a meta repository: a bare repository that `meta init` or `meta clone` made (see
 * Store.open and assertMetaRepository for what is refused, with NOT_A_META_REPO, before anything
 * is written).
 *
 * @example
 * import { openMeta, resolveBinary } from 'boot-meta';
 * const repo = openMeta({ dir: '/srv/meta' });
 * const r = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
 */
export function openMeta(opts: OpenOptions = {}): MetaRepo {
  const env = opts.env ?? process.env;
  const fs = opts.fs ?? diskFs;
  const dir = repositoryDir(opts.dir, env, fs);
  const where = shownRepositoryDir(opts, env);
  const store = Store.open({ fs, dir, fsyncObjects: opts.fsyncObjects, warn: opts.warn, label: where });
  try {
    assertMetaRepository(store, where);
  } catch (e) {
    store.close();
    throw e;
  }
  return wrap(store, opts, env);
}

/**
 * Turns an opened or created repository into a MetaRepo handle.
 *
 * @example
 * const repo = wrap(Store.init({ fs, dir }), { actor: 'ci' }, process.env);
 */
export function wrap(store: Repository, opts: OpenOptions, env: Record<string, string | undefined>): MetaRepo {
  let actor: string | undefined;
  return {
    store,
    reader: new RecordReader(),
    // Resolved on first use: read-only commands (resolve, show) never pay for the git config reads.
    get actor() {
      return (actor ??= resolveActor(opts.actor, env, store));
    },
    dir: store.dir,
    env,
    clock: opts.clock ?? (() => new Date()),
    warn: opts.warn ?? ((m) => process.emitWarning(m, { code: 'META_WARNING' })),
    ...(opts.push !== undefined ? { pushPolicy: opts.push === true ? {} : opts.push } : {}),
    close: () => store.close(),
  };
}

/** `user.name` and `user.email` from git config texts, the later ones winning. */
function gitConfigUser(texts: string[]): { name?: string; email?: string } {
  const out: { name?: string; email?: string } = {};
  for (const text of texts) {
    let inUser = false;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('[')) inUser = /^\[user\]$/i.test(line);
      else if (inUser) {
        const m = /^(name|email)\s*=\s*(.*)$/i.exec(line);
        if (m) out[m[1]!.toLowerCase() as 'name' | 'email'] = m[2]!.replace(/^"(.*)"$/, '$1');
      }
    }
  }
  return out;
}

/**
 * `--actor`, else `$META_ACTOR`, else the git config user (the repository's, then the global
 * ones on the disk), else `user@host`.
 *
 * @example
 * resolveActor(undefined, { META_ACTOR: 'ci <ci@example.com>' }); // 'ci <ci@example.com>'
 */
export function resolveActor(explicit: string | undefined, env: Record<string, string | undefined>, store?: Repository): string {
  if (explicit) return explicit;
  if (env.META_ACTOR) return env.META_ACTOR;
  const home = env.HOME ?? homedir();
  const texts: string[] = [];
  for (const p of [`${env.XDG_CONFIG_HOME ?? `${home}/.config`}/git/config`, `${home}/.gitconfig`]) {
    try {
      texts.push(diskFs.readFileSync(p, 'utf8'));
    } catch { /* no such file */ }
  }
  if (store) texts.push(store.readConfig());
  const u = gitConfigUser(texts);
  if (u.name && u.email) return `${u.name} <${u.email}>`;
  if (u.name) return u.name;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch { /* no passwd entry in some containers */ }
  return `${user}@${hostname()}`;
}

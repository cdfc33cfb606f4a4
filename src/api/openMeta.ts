import * as nodeFs from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { SyncFs } from '../store/fs.js';
import { Store } from '../store/Store.js';
import { RecordReader } from '../resolve/RecordReader.js';
import type { Label } from '../records/types.js';

/** An open meta repository: what every API function takes first. */
export interface MetaRepo {
  readonly store: Store;
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
  close(): void;
}

export interface OpenOptions {
  /** Repository directory (default: `$META_REPO`, else the current directory). */
  dir?: string;
  /** Node's fs (default) or a memfs volume for an in-memory repository. */
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
}

/**
 * Opens a meta repository.
 *
 * @example
 * import { openMeta, resolveBinary } from 'boot-meta';
 * const repo = openMeta({ dir: '/srv/meta' });
 * const r = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
 */
export function openMeta(opts: OpenOptions = {}): MetaRepo {
  const env = opts.env ?? process.env;
  const fs = opts.fs ?? (nodeFs as unknown as SyncFs);
  const dir = repoDir(opts.dir, env, fs);
  const store = Store.open({ fs, dir, fsyncObjects: opts.fsyncObjects, warn: opts.warn });
  return wrap(store, opts, env);
}

/** Turns an opened or created store into a MetaRepo handle. */
export function wrap(store: Store, opts: OpenOptions, env: Record<string, string | undefined>): MetaRepo {
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
    close: () => store.close(),
  };
}

export function repoDir(dir: string | undefined, env: Record<string, string | undefined>, fs: SyncFs): string {
  const d = dir ?? env.META_REPO ?? process.cwd();
  return fs === (nodeFs as unknown as SyncFs) ? resolvePath(d) : d;
}

function gitConfigUser(paths: string[], fs: SyncFs): { name?: string; email?: string } {
  const out: { name?: string; email?: string } = {};
  for (const p of paths) {
    let text: string;
    try {
      text = fs.readFileSync(p, 'utf8') as string;
    } catch {
      continue;
    }
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

/** `--actor`, else `$META_ACTOR`, else the git config user (repo, then global), else `user@host`. */
export function resolveActor(explicit: string | undefined, env: Record<string, string | undefined>, store?: Store): string {
  if (explicit) return explicit;
  if (env.META_ACTOR) return env.META_ACTOR;
  const home = env.HOME ?? homedir();
  const paths = [`${env.XDG_CONFIG_HOME ?? `${home}/.config`}/git/config`, `${home}/.gitconfig`];
  if (store) paths.push(`${store.gitdir}/config`);
  const u = gitConfigUser(paths, nodeFs as unknown as SyncFs);
  if (u.name && u.email) return `${u.name} <${u.email}>`;
  if (u.name) return u.name;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch { /* no passwd entry in some containers */ }
  return `${user}@${hostname()}`;
}

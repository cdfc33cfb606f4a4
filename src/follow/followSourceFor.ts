import type { MetaRepo } from '../api/openMeta.js';
import type { FollowSource } from './followSources.js';

/** Where a follower learns what to run: a `meta serve`, a clone of a remote, or an open repository. */
export type FollowFrom =
  | { server: string; /** Bearer token for reports. */ token?: string }
  | { remote: string; /** Where the clone lives. */ cloneDir: string; fetchIntervalMs: number; /** Default process.env. */ env?: Record<string, string | undefined>; actor?: string }
  | { repo: MetaRepo };

export interface FollowSourceOptions {
  /** The project as given (a short name is completed to its full name). */
  project: string;
  channel: string;
  from: FollowFrom;
  log?: (line: string) => void;
  /** Gives up waiting for an unreachable server. */
  signal?: AbortSignal;
  /** The follower writes a config file: wake on config changes too. */
  config?: boolean;
  /** The follower writes a flags file: wake on flag changes too. */
  flags?: boolean;
}

/** A started follow source, the project's full name, and what stops both. */
export interface OpenedFollowSource {
  source: FollowSource;
  /** The full project name (the install dir's state and the event filter use it). */
  project: string;
  /** Stops pulling the remote (if any) and closes the source. */
  close(): Promise<void>;
}

/**
 * Opens and starts the source `meta follow` reads: a {@link ServerSource} for `server`, else a
 * {@link LocalSource} over `repo`, or over a clone of `remote` that is pulled every
 * `fetchIntervalMs` and pushes the follower's reports back.
 *
 * @example
 * const { source, project, close } = await followSourceFor({ project: 'app', channel: 'stable', from: { server: 'http://127.0.0.1:8080' } });
 * try { await follow({ project, channel: 'stable', platform: 'linux/amd64', installDir: '/opt/app', source, once: true }); } finally { await close(); }
 */
export async function followSourceFor(opts: FollowSourceOptions): Promise<OpenedFollowSource> {
  const { LocalSource, ServerSource } = await import('./followSources.js');
  const from = opts.from;
  if ('server' in from) {
    const server = new ServerSource(from.server, { project: opts.project, channel: opts.channel, token: from.token, log: opts.log, config: opts.config, flags: opts.flags });
    const project = await server.resolveProjectName(opts.signal);
    const source = server.start();
    return { source, project, close: () => source.close() };
  }
  let repo: MetaRepo;
  let puller: { stop(): Promise<void> } | undefined;
  if ('remote' in from) {
    const { openClone, startPulling } = await import('../serve/remoteSync.js');
    const { setAutoPush } = await import('../api/autoPush.js');
    repo = await openClone({ url: from.remote, dir: from.cloneDir, env: from.env ?? process.env, actor: from.actor });
    setAutoPush(repo, {}); // reports go to the remote
    puller = startPulling(repo, from.fetchIntervalMs, (e) => opts.log?.(`fetch: ${e.message}`));
  } else repo = from.repo;
  try {
    const { requireProject } = await import('../api/lookup.js');
    const project = requireProject(repo, repo.store.snapshot(), opts.project).name;
    const source = await new LocalSource(repo).start();
    return {
      source,
      project,
      close: async () => {
        await puller?.stop();
        await source.close();
      },
    };
  } catch (e) {
    await puller?.stop();
    throw e;
  }
}

import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

interface FollowArgs extends GlobalArgs {
  project: string;
  channel: string;
  platform: string;
  installDir: string;
  exec?: string;
  report?: boolean;
  host?: string;
  env?: string;
  server?: string;
  remote?: string;
  fetchInterval: number;
  tokenEnv: string;
  binaryName?: string;
  once?: boolean;
  maxIterations?: number;
  timeout?: number;
  recheck: number;
}

export default defineCommand<FollowArgs>({
  async run(ctx, args) {
    const { follow } = await import('../../follow/follow.js');
    const { LocalSource, ServerSource } = await import('../../follow/followSources.js');
    const log = (line: string) => ctx.err(`meta follow: ${line}\n`);
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = args.timeout ? setTimeout(stop, args.timeout * 1000) : undefined;
    let source;
    let puller: { stop(): Promise<void> } | undefined;
    let project = args.project;
    if (args.server) {
      const server = new ServerSource(args.server, { project, channel: args.channel, token: ctx.env[args.tokenEnv], log });
      // The full name, as with --repo: the install dir's state and the event filter use it.
      try {
        project = await server.resolveProjectName(ac.signal);
      } catch (e) {
        if (timer) clearTimeout(timer);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        throw e;
      }
      source = server.start();
    } else {
      let repo;
      if (args.remote) {
        const { openClone, startPulling } = await import('../../serve/remoteSync.js');
        const { setAutoPush } = await import('../../api/autoPush.js');
        repo = await openClone({ url: args.remote, dir: args.repo ?? `${installDirOf(ctx.cwd, args.installDir)}/.meta-repo`, env: ctx.env, actor: args.actor });
        setAutoPush(repo, {}); // reports go to the remote
        puller = startPulling(repo, args.fetchInterval * 1000, (e) => log(`fetch: ${e.message}`));
      } else repo = await open(ctx, args);
      const { requireProject } = await import('../../api/lookup.js');
      project = requireProject(repo, repo.store.snapshot(), args.project).name;
      source = await new LocalSource(repo).start();
    }
    let lastPct = -1;
    const onProgress = ctx.color ? (n: number, total: number) => {
      const pct = total ? Math.floor((n / total) * 100) : 100;
      if (pct !== lastPct) ctx.err(`\rdownloading ${pct}% (${n} of ${total} bytes)${n >= total ? '\n' : ''}`);
      lastPct = pct;
    } : undefined;
    const installDir = installDirOf(ctx.cwd, args.installDir);
    try {
      const res = await follow({
        project, channel: args.channel, platform: args.platform, installDir, source, exec: args.exec, report: args.report,
        host: args.host, env: args.env ?? ctx.env.META_ENV, binaryName: args.binaryName, once: args.once, maxIterations: args.maxIterations,
        signal: ac.signal, recheckMs: args.recheck * 1000, log, onProgress, hookOutput: (t) => ctx.err(t),
      });
      if (args.once && res.pending) {
        // A one-shot run succeeds only when the host ends up running the channel's release.
        const { MetaError } = await import('../../errors/MetaError.js');
        throw new MetaError(res.pending.code, res.pending.message, { attempts: res.attempts, running: res.state.version ?? null });
      }
      emit(ctx, args, res, () => res.attempts.map((a) => `${a.ok ? 'installed' : 'refused  '} ${a.version} ${a.digest}${a.reason ? `: ${a.reason}` : ''}`).concat(`running ${res.state.version ?? 'nothing'} (stopped: ${res.stopped})`));
    } finally {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await puller?.stop();
      await source.close();
    }
  },
});

function installDirOf(cwd: string, dir: string): string {
  return dir.startsWith('/') ? dir : `${cwd}/${dir}`;
}

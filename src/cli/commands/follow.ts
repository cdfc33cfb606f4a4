import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';
import { identityArgs } from '../secretArgs.js';

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
  configFile?: string;
  flagsFile?: string;
  onConfigChange?: string;
  identity?: string[];
  region?: string;
}

export default defineCommand<FollowArgs>({
  async run(ctx, args) {
    const { follow } = await import('../../follow/follow.js');
    const { followSourceFor } = await import('../../follow/followSourceFor.js');
    const log = (line: string) => ctx.err(`meta follow: ${line}\n`);
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = args.timeout ? setTimeout(stop, args.timeout * 1000) : undefined;
    const installDir = installDirOf(ctx.cwd, args.installDir);
    let opened;
    try {
      const from = args.server ? { server: args.server, token: ctx.env[args.tokenEnv] }
        : args.remote ? { remote: args.remote, cloneDir: args.repo ?? `${installDir}/.meta-repo`, fetchIntervalMs: args.fetchInterval * 1000, env: ctx.env, actor: args.actor }
        : { repo: await open(ctx, args) };
      opened = await followSourceFor({ project: args.project, channel: args.channel, from, log, signal: ac.signal, config: args.configFile !== undefined, flags: args.flagsFile !== undefined });
    } catch (e) {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      throw e;
    }
    const { source, project } = opened;
    let lastPct = -1;
    const onProgress = ctx.color ? (n: number, total: number) => {
      const pct = total ? Math.floor((n / total) * 100) : 100;
      if (pct !== lastPct) ctx.err(`\rdownloading ${pct}% (${n} of ${total} bytes)${n >= total ? '\n' : ''}`);
      lastPct = pct;
    } : undefined;
    try {
      const res = await follow({
        project, channel: args.channel, platform: args.platform, installDir, source, exec: args.exec, report: args.report,
        host: args.host, env: args.env ?? ctx.env.META_ENV, binaryName: args.binaryName, once: args.once, maxIterations: args.maxIterations,
        signal: ac.signal, recheckMs: args.recheck * 1000, log, onProgress, hookOutput: (t) => ctx.err(t), region: args.region,
        ...(args.configFile !== undefined ? { configFile: installDirOf(ctx.cwd, args.configFile), identities: identityArgs(ctx, args.identity) } : {}),
        ...(args.flagsFile !== undefined ? { flagsFile: installDirOf(ctx.cwd, args.flagsFile) } : {}),
        onConfigChange: args.onConfigChange,
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
      await opened.close();
    }
  },
});

function installDirOf(cwd: string, dir: string): string {
  return dir.startsWith('/') ? dir : `${cwd}/${dir}`;
}

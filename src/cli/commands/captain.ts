import { defineCommand } from '../command.js';
import { open, type GlobalArgs } from '../context.js';

interface CaptainArgs extends GlobalArgs {
  project?: string[];
  once?: boolean;
  interval: string;
  remote?: string;
  push?: boolean;
  allowCommands?: boolean;
}

export default defineCommand<CaptainArgs>({
  async run(ctx, args) {
    const { runCaptain } = await import('../../captain/runCaptain.js');
    const { decisionLine } = await import('../../captain/CaptainDecision.js');
    const { parseDurationMs } = await import('../../api/parseDuration.js');
    const intervalMs = parseDurationMs(String(args.interval));
    if (intervalMs === undefined) {
      const { MetaError } = await import('../../errors/MetaError.js');
      throw new MetaError('INVALID_ARGUMENT', `--interval '${args.interval}' is not a duration: write it as 30s, 5m or 250ms`, { value: args.interval });
    }
    const actor = args.actor ?? ctx.env.META_ACTOR ?? 'meta captain';
    let repo;
    let beforePass: (() => Promise<void>) | undefined;
    if (args.remote) {
      const { openClone } = await import('../../serve/remoteSync.js');
      const { repositoryDir } = await import('../../api/repositoryDir.js');
      const { pull } = await import('../../api/pull.js');
      repo = await openClone({ url: args.remote, dir: repositoryDir(args.repo, ctx.env, undefined, ctx.cwd), env: ctx.env, actor });
      beforePass = async () => {
        await pull(repo!);
      };
    } else repo = await open(ctx, { ...args, actor });
    // On a clone, a decision kept local would make the clone diverge from the remote it fetches
    // before every pass: --remote pushes unless told --no-push.
    const pushing = args.push ?? (args.remote ? true : undefined);
    if (pushing !== undefined) {
      const { setAutoPush } = await import('../../api/autoPush.js');
      setAutoPush(repo, pushing);
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await runCaptain(repo, {
        projects: args.project?.map(String), once: args.once, intervalMs, signal: ac.signal, beforePass,
        commands: { allow: args.allowCommands === true },
        // One line per decision as it is taken (--json: one JSON object per line).
        onDecision: (d) => ctx.out(args.json ? `${JSON.stringify(d)}\n` : `${decisionLine(d)}\n`),
        log: (line) => ctx.err(`meta captain: ${line}\n`),
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
});

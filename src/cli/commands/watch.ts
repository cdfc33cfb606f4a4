import { defineCommand } from '../command.js';
import { open, type GlobalArgs } from '../context.js';

interface WatchArgs extends GlobalArgs {
  project?: string;
  channel?: string;
  types?: string[];
  since?: string;
  server?: string;
  remote?: string;
  fetchInterval: number;
  maxEvents?: number;
  timeout?: number;
}

export default defineCommand<WatchArgs>({
  async run(ctx, args) {
    const { watchLocal, watchServer, formatEvent } = await import('../../watch/watchEvents.js');
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = args.timeout ? setTimeout(stop, args.timeout * 1000) : undefined;
    const filter = { project: args.project, channel: args.channel, types: args.types?.flatMap((t) => t.split(',')).filter(Boolean), since: args.since, signal: ac.signal, onError: (e: Error) => ctx.err(`meta watch: ${e.message}\n`),
      onReady: (i: { tip?: string }) => ctx.err(`meta watch: watching${i.tip ? ` from ${i.tip.slice(0, 12)}` : ''}\n`) };
    let puller: { stop(): Promise<void> } | undefined;
    try {
      let stream;
      if (args.server) stream = watchServer(args.server, filter);
      else {
        let repo;
        if (args.remote) {
          const { openClone, startPulling } = await import('../../serve/remoteSync.js');
          const { createHash } = await import('node:crypto');
          const { tmpdir } = await import('node:os');
          const dir = args.repo ?? `${tmpdir()}/meta-watch-${createHash('sha256').update(args.remote).digest('hex').slice(0, 16)}`;
          repo = await openClone({ url: args.remote, dir, env: ctx.env, actor: args.actor });
          puller = startPulling(repo, args.fetchInterval * 1000, (e) => ctx.err(`meta watch: fetch: ${e.message}\n`));
        } else repo = await open(ctx, args);
        if (args.project) {
          const { requireProject } = await import('../../api/lookup.js');
          filter.project = requireProject(repo, repo.store.snapshot(), args.project).name;
        }
        stream = watchLocal(repo, filter);
      }
      let n = 0;
      for await (const ev of stream) {
        ctx.out(args.json ? `${JSON.stringify(ev)}\n` : `${formatEvent(ev)}\n`);
        if (args.maxEvents && ++n >= args.maxEvents) break;
      }
    } finally {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await puller?.stop();
    }
  },
});

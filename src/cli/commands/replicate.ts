import { defineCommand } from '../command.js';
import { open, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';
import { untilSignalled } from '../untilSignalled.js';

export default defineCommand<GlobalArgs & { push?: boolean; watch?: boolean; stateDir?: string; parallel: number; retries: number }>({
  async run(ctx, args) {
    const { Replicator } = await import('../../replication/Replicator.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const log = (line: string) => ctx.err(`meta replicate: ${line}\n`);
    const r = new Replicator({ repo, stateDir: args.stateDir, parallel: args.parallel, retries: args.retries, log, pollMs: 1000 });
    if (!args.watch) {
      await r.drain();
      return;
    }
    r.start();
    await untilSignalled();
    await r.close();
  },
});

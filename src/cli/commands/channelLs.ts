import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; at?: string }>({
  async run(ctx, args) {
    const { listChannels } = await import('../../api/listChannels.js');
    const repo = await open(ctx, args);
    const list = listChannels(repo, { project: args.project, at: args.at });
    emit(ctx, args, list, () => list.map((c) => `${c.channel}\t${c.current?.version ?? '-'}\tseq ${c.sequence}${c.held ? '\t[on hold]' : ''}`));
  },
});

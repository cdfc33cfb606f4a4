import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; at?: string }>({
  command: 'ls <project>',
  describe: "a project's channels and what is live on each",
  builder: (y) => y.positional('project', { type: 'string', demandOption: true }).option('at', { type: 'string' }),
  async run(ctx, args) {
    const { listChannels } = await import('../../api/channels.js');
    const repo = await open(ctx, args);
    const list = listChannels(repo, { project: args.project, at: args.at });
    emit(ctx, args, list, () => list.map((c) => `${c.channel}\t${c.current?.version ?? '-'}\tseq ${c.sequence}${c.held ? '\t[on hold]' : ''}`));
  },
});

import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; key: string; channel: string; at?: string }>({
  async run(ctx, args) {
    const { showFlag } = await import('../../api/showFlag.js');
    const repo = await open(ctx, args);
    const v = await showFlag(repo, { project: args.project, channel: args.channel, key: String(args.key), at: args.at });
    emit(ctx, args, v, () => JSON.stringify({ [v.key]: v.flag }, null, 2));
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; at?: string }>({
  async run(ctx, args) {
    const { channelHistory } = await import('../../api/channelHistory.js');
    const repo = await open(ctx, args);
    const h = channelHistory(repo, { project: args.project, channel: args.channel, at: args.at });
    emit(ctx, args, h, () => ['SEQ\tACTION\tRELEASE\tCOMMIT\tTIME\tACTOR\tREASON',
      ...h.map((e) => `${e.sequence}\t${e.action}\t${e.release.version}\t${e.beforeBoundary ? '(before shallow boundary)' : short(e.commit)}\t${e.time}\t${e.actor}\t${e.reason}`)]);
  },
});

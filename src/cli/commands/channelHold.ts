import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; channel: string; reason: string }>({
  async run(ctx, args) {
    const { holdChannel } = await import('../../api/holdChannel.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await holdChannel(repo, { project: args.project, channel: args.channel, reason: String(args.reason) });
    emit(ctx, args, r, () => r.changed
      ? `held ${r.project} ${r.channel} (seq ${r.sequence}); promotions and rollbacks are refused until 'meta channel unhold'\ncommit ${short(r.commit)}`
      : `${r.channel} of ${r.project} is already on hold (seq ${r.sequence}); nothing written`);
  },
});

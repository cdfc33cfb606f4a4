import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; channel: string; reason?: string }>({
  async run(ctx, args) {
    const { unholdChannel } = await import('../../api/unholdChannel.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await unholdChannel(repo, { project: args.project, channel: args.channel, reason: args.reason });
    emit(ctx, args, r, () => r.changed
      ? `released the hold on ${r.project} ${r.channel} (seq ${r.sequence})\ncommit ${short(r.commit)}`
      : `${r.channel} of ${r.project} is not on hold; nothing written`);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { name: string; push?: boolean }>({
  async run(ctx, args) {
    const { addChannel } = await import('../../api/addChannel.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await addChannel(repo, { name: args.name });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => (r.changed ? `declared channel ${r.channel} in meta.yaml\ncommit ${short(r.commit)}` : `channel ${r.channel} is declared already; nothing written`));
  },
});

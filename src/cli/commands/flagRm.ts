import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; key: string; channel: string }>({
  async run(ctx, args) {
    const { removeFlag } = await import('../../api/removeFlag.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await removeFlag(repo, { project: args.project, channel: args.channel, key: String(args.key) });
    emit(ctx, args, r, () => `removed flag ${args.key} from ${r.project} ${r.channel} (seq ${r.sequence})\ncommit ${short(r.commit)}`);
  },
});

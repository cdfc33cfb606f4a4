import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; channel: string; comment?: string }>({
  async run(ctx, args) {
    const { recordApproval } = await import('../../api/recordApproval.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await recordApproval(repo, { project: args.project, version: String(args.version), channel: args.channel, comment: args.comment });
    emit(ctx, args, r, () => `approved ${r.project} ${r.version} for ${r.channel} as ${r.actor}\ncommit ${short(r.commit)}`);
  },
});

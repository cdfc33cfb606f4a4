import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; channel: string; to?: string; expect?: string; reason?: string; force?: boolean }>({
  async run(ctx, args) {
    const { rollback } = await import('../../api/rollback.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await rollback(repo, { project: args.project, channel: args.channel, to: args.to === undefined ? undefined : String(args.to), expect: args.expect, reason: args.reason, force: args.force });
    emit(ctx, args, r, () => `rolled back ${r.project} ${r.channel} to ${r.release.version} (seq ${r.sequence}, was ${r.previous?.version ?? 'none'})\ncommit ${short(r.commit)}`);
  },
});

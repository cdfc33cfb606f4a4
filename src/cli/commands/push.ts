import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { remote?: string; attempts?: number }>({
  async run(ctx, args) {
    const { push } = await import('../../api/push.js');
    const repo = await open(ctx, args);
    const r = await push(repo, { remote: args.remote, maxAttempts: args.attempts });
    for (const m of r.messages) ctx.err(`remote: ${m}\n`);
    emit(ctx, args, r, () => r.status === 'up-to-date'
      ? `${r.remoteName} is up to date (${short(r.pushed)})`
      : `pushed ${short(r.pushed)} to ${r.remoteName}${r.replayed ? ` (${r.replayed} local commit(s) re-applied on the remote tip)` : ''}`);
  },
});

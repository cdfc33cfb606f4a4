import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { remote?: string; allowRewrite?: boolean }>({
  async run(ctx, args) {
    const { pull } = await import('../../api/pull.js');
    const repo = await open(ctx, args);
    const r = await pull(repo, { remote: args.remote, allowRewrite: args.allowRewrite });
    emit(ctx, args, r, () => {
      switch (r.status) {
        case 'fast-forward': return `fast-forwarded ${short(r.before)}..${short(r.after)} from ${r.remoteName}`;
        case 'ahead': return `up to date with ${r.remoteName}; local is ahead (run 'meta push')`;
        case 'rewritten': return `replaced local history ${short(r.before)} with ${r.remoteName}'s ${short(r.after)} (old tip kept as refs/meta/before-rewrite)`;
        case 'remote-empty': return `${r.remoteName} has no commits yet`;
        default: return `already up to date with ${r.remoteName} (${short(r.after)})`;
      }
    });
  },
});

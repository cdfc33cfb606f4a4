import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { identityArgs } from '../secretArgs.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { secret: string; env?: string; identity?: string[] }>({
  async run(ctx, args) {
    const { rotateSecret } = await import('../../api/rotateSecret.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await rotateSecret(repo, { secret: args.secret, env: args.env, ...identityArgs(ctx, args.identity) });
    emit(ctx, args, r, () => `secret rotate ${r.env}/${r.name} (v${r.version}, new data key for ${r.recipients.length} recipient(s))\ncommit ${short(r.commit)}`);
  },
});

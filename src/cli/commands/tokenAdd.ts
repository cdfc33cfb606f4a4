import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { name: string; scope?: string[]; push?: boolean }>({
  async run(ctx, args) {
    const { addServeToken } = await import('../../api/addServeToken.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await addServeToken(repo, { name: args.name, scopes: args.scope?.flatMap((s) => s.split(',')).filter(Boolean) });
    warn(ctx, r.warnings);
    // The token on stdout alone (easy to capture); what was done on stderr.
    if (args.json) emit(ctx, args, r, () => '');
    else {
      ctx.out(`${r.token}\n`);
      ctx.err(`token ${r.name} (${r.scopes.join(', ')}) added to meta.yaml by its sha256 (commit ${short(r.commit)}); this is the only time it is shown: store it now\n`);
    }
  },
});

import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { open } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; at?: string }>({
  async run(ctx, args) {
    const { readFlagSet } = await import('../../api/readFlagSet.js');
    const { prettyJson } = await import('../../flags/canonicalJson.js');
    const repo = await open(ctx, args);
    const v = await readFlagSet(repo, args.project, args.channel, args.at);
    // flagd JSON either way: --json prints it canonical (one line), otherwise pretty-printed.
    ctx.out(args.json ? `${v.document}\n` : prettyJson(v.document));
  },
});

import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { command: string[] }>({
  async run(ctx, args) {
    const { helpFor } = await import('../help.js');
    const { checkWords, findCommand } = await import('../parse.js');
    checkWords(args.command);
    if (args.json) {
      // The declarations themselves, for tools that build on the CLI.
      const { COMMANDS } = await import('../specs.js');
      const spec = findCommand(args.command);
      const list = (spec ? [spec] : COMMANDS.filter((c) => args.command.every((w, i) => c.path[i] === w)))
        .map(({ path, describe, positionals, options }) => ({ command: path.join(' '), describe, positionals: positionals ?? [], options: options ?? {} }));
      ctx.out(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    ctx.out(helpFor(args.command)!);
  },
});

import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { shell: string }>({
  async run(ctx, args) {
    const { completionScript } = await import('../completion.js');
    ctx.out(completionScript(args.shell as 'bash' | 'zsh' | 'fish'));
  },
});

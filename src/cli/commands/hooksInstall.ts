import { defineCommand } from '../command.js';
import { emit, warn, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { dir: string }>({
  async run(ctx, args) {
    const { installHooks } = await import('../../api/installHooks.js');
    const r = installHooks(args.dir.startsWith('/') ? args.dir : `${ctx.cwd}/${args.dir}`);
    if (r.replaced) warn(ctx, [`an existing pre-receive hook was moved to ${r.hook}.before-meta`]);
    emit(ctx, args, r, () => `installed ${r.hook}`);
  },
});

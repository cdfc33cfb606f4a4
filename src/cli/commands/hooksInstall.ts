import { defineCommand } from '../command.js';
import { emit, warn, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { dir: string }>({
  command: 'install <dir>',
  describe: "install the append-only pre-receive hook into a server's bare repository",
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true, describe: 'the bare repository on the git server' }),
  async run(ctx, args) {
    const { installHooks } = await import('../../api/installHooks.js');
    const r = installHooks(args.dir.startsWith('/') ? args.dir : `${ctx.cwd}/${args.dir}`);
    if (r.replaced) warn(ctx, [`an existing pre-receive hook was moved to ${r.hook}.before-meta`]);
    emit(ctx, args, r, () => `installed ${r.hook}`);
  },
});

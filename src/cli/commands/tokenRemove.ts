import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { name: string; push?: boolean }>({
  async run(ctx, args) {
    const { removeServeToken } = await import('../../api/removeServeToken.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await removeServeToken(repo, { name: args.name });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => `removed token ${r.name} from meta.yaml; meta serve refuses it from commit ${short(r.commit)} on`);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { key: string; value: string; push?: boolean }>({
  async run(ctx, args) {
    const { setSetting } = await import('../../api/setSetting.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await setSetting(repo, { key: args.key, value: args.value });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => (r.changed ? `set ${r.key} in meta.yaml\ncommit ${short(r.commit)}` : `${r.key} has this value already; nothing written`));
  },
});

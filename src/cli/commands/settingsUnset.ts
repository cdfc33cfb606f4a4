import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { key: string; push?: boolean }>({
  async run(ctx, args) {
    const { unsetSetting } = await import('../../api/unsetSetting.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await unsetSetting(repo, { key: args.key });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => `removed ${r.key} from meta.yaml\ncommit ${short(r.commit)}`);
  },
});

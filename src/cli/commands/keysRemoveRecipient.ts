import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { env: string; recipient: string }>({
  async run(ctx, args) {
    const { removeEnvRecipient } = await import('../../api/removeEnvRecipient.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await removeEnvRecipient(repo, { env: args.env, recipient: args.recipient });
    emit(ctx, args, r, () => `removed ${args.recipient} from ${r.env} (${r.recipients.length} recipient(s) left)\ncommit ${short(r.commit)}\nnow run \`meta secret updatekeys ${r.env}\`: it rotates every secret's data key so the removed key cannot open new versions (versions already in history stay readable by it: change leaked values)`);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { env: string; recipient: string }>({
  async run(ctx, args) {
    const { addEnvRecipient } = await import('../../api/addEnvRecipient.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await addEnvRecipient(repo, { env: args.env, recipient: args.recipient });
    emit(ctx, args, r, () => r.changed
      ? `added ${args.recipient} to ${r.env} (${r.recipients.length} recipient(s))\ncommit ${short(r.commit)}\nnew versions are encrypted for it; run \`meta secret updatekeys ${r.env}\` to give it the existing secrets`
      : `${args.recipient} is already a recipient of ${r.env}; nothing written`);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { env?: string; at?: string }>({
  async run(ctx, args) {
    const { listRecipients } = await import('../../api/listRecipients.js');
    const repo = await open(ctx, args);
    const list = listRecipients(repo, { env: args.env, at: args.at });
    emit(ctx, args, list, () => list.flatMap((e) => (e.recipients.length ? e.recipients.map((r) => `${e.env}\t${r}${e.inheritedFrom ? `\t(${e.inheritedFrom}'s: no rule of its own)` : ''}`) : [`${e.env}\t(no recipients: meta keys add-recipient ${e.env} <age1…>)`])));
  },
});

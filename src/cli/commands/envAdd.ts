import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { name: string; push?: boolean }>({
  async run(ctx, args) {
    const { addEnvironment } = await import('../../api/addEnvironment.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await addEnvironment(repo, { name: args.name });
    warn(ctx, r.warnings);
    const personal = r.env.includes('/')
      ? `\nits secrets use ${r.env.split('/')[0]}'s age recipients until it has its own: meta keys add-recipient ${r.env} <age1…>`
      : '';
    emit(ctx, args, r, () => (r.changed ? `declared environment ${r.env} in meta.yaml\ncommit ${short(r.commit)}${personal}` : `environment ${r.env} is declared already; nothing written`));
  },
});

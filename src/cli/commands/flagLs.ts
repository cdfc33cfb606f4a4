import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; at?: string }>({
  async run(ctx, args) {
    const { listFlags } = await import('../../api/listFlags.js');
    const repo = await open(ctx, args);
    const l = await listFlags(repo, { project: args.project, channel: args.channel, at: args.at });
    emit(ctx, args, l, () => [
      `${l.project} ${l.channel}: flag set seq ${l.sequence} at ${short(l.commit)}`,
      ...(l.flags.length ? ['KEY\tSTATE\tTYPE\tDEFAULT\tVARIANTS\tTARGETING', ...l.flags.map((f) => `${JSON.stringify(f.key).slice(1, -1)}\t${f.state}\t${f.type}\t${f.defaultVariant ?? '(code default)'}\t${f.variants.join(',')}\t${f.targeting ? 'yes' : 'no'}`)] : ['(no flags)']),
    ]);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { shownValue } from './configGet.js';

export default defineCommand<GlobalArgs & { project: string; env?: string; channel?: string; at?: string }>({
  async run(ctx, args) {
    const { configHistory } = await import('../../api/config/configHistory.js');
    const repo = await open(ctx, args);
    const h = configHistory(repo, { project: args.project, env: args.env, channel: args.channel, at: args.at });
    emit(ctx, args, h, () => h.flatMap((v) => [
      `${v.sequence}\t${short(v.commit)}\t${v.time}\t${shownValue(v.actor, true)}`,
      ...v.changes.map((c) => `  ${c.status === 'added' ? '+' : c.status === 'removed' ? '-' : '~'} ${c.key}${c.status === 'removed' ? '' : `=${shownValue(c.to, c.type === 'json')}`}`),
    ]));
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; key?: string; at?: string }>({
  async run(ctx, args) {
    const { flagHistory } = await import('../../api/flagHistory.js');
    const repo = await open(ctx, args);
    const h = await flagHistory(repo, { project: args.project, channel: args.channel, key: args.key, at: args.at });
    const what = (e: (typeof h)[number]) => [
      ...e.changes.map((c) => `${c.status} ${JSON.stringify(c.key).slice(1, -1)}${c.fields?.length ? ` (${c.fields.join(', ')})` : ''}`),
      ...e.sets.map((s) => `changed ${s}`),
    ].join('; ') || '(no change)';
    emit(ctx, args, h, () => ['SEQ\tCOMMIT\tTIME\tACTOR\tCHANGES', ...h.map((e) => `${e.sequence}\t${e.commit ? short(e.commit) : '(before shallow boundary)'}\t${e.time}\t${e.actor}\t${what(e)}`)]);
  },
});

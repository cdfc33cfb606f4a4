import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; env?: string; at?: string; hosts?: boolean }>({
  async run(ctx, args) {
    const { listInstances } = await import('../../api/listInstances.js');
    const { formatFleetLine, formatAge } = await import('../formatFleetLine.js');
    const repo = await open(ctx, args);
    const v = listInstances(repo, { project: args.project, env: args.env, at: args.at });
    emit(ctx, args, v, () => {
      if (v.hosts.length === 0) return `${v.project}: no instance has reported${args.env ? ` in ${args.env}` : ''} (at ${short(v.commit)})`;
      const lines = v.channels.map(formatFleetLine);
      if (args.hosts) {
        for (const h of v.hosts) {
          lines.push(`  ${h.env}/${h.host}  ${h.channel || '-'}  ${h.version || '-'}  ${h.status}${h.current ? '' : h.status === 'failed' ? `: ${h.message}` : h.status === 'installing' ? '' : ` (lagging ${formatAge(h.lagSeconds)})`}  reported ${h.reportedAt}`);
        }
      }
      return lines;
    });
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; at?: string }>({
  async run(ctx, args) {
    const { channelHistory } = await import('../../api/channelHistory.js');
    const repo = await open(ctx, args);
    const h = channelHistory(repo, { project: args.project, channel: args.channel, at: args.at });
    emit(ctx, args, h, () => ['SEQ\tACTION\tRELEASE\tCOMMIT\tTIME\tACTOR\tREASON',
      ...h.map((e) => `${e.sequence}\t${e.action}${waveText(e.rollout)}\t${e.release.version}\t${e.beforeBoundary ? '(before shallow boundary)' : short(e.commit)}\t${e.time}\t${e.actor}\t${e.reason}`)]);
  },
});

/** ` wave 2/3 (50%)` for a record that starts or widens a rollout, else ''. */
function waveText(r: { waves: number[]; wave: number } | null): string {
  return r && r.waves.length > 0 ? ` wave ${r.wave + 1}/${r.waves.length} (${r.waves[r.wave] ?? '?'}%)` : '';
}

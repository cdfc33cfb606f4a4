import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; at?: string }>({
  async run(ctx, args) {
    const { showChannel } = await import('../../api/showChannel.js');
    const repo = await open(ctx, args);
    const v = showChannel(repo, { project: args.project, channel: args.channel, at: args.at });
    emit(ctx, args, v, () => [
      `${v.project} ${v.channel}: ${v.current?.version ?? '(nothing live)'}${v.held ? ' [on hold]' : ''}${v.yank ? ' [yanked]' : ''}`,
      ...(v.hold ? [`on hold since ${v.hold.since} by ${v.hold.by}: ${v.hold.reason || '(no reason given)'} (seq ${v.hold.sequence})`] : []),
      ...(v.yank ? [`yanked at ${v.yank.at} by ${v.yank.by}: ${v.yank.reason}`] : []),
      ...(v.rollout && !v.rollout.complete ? [`rolling out: wave ${v.rollout.wave + 1}/${v.rollout.waves.length} (${v.rollout.percent}% of hosts) since ${v.rollout.waveSince}; the others run ${v.rollout.fallback.version}`] : []),
      `release githash ${v.current?.githash ?? '-'}`,
      `sequence ${v.sequence}, since ${v.since ?? '-'} by ${v.by ?? '-'}`,
      `rollback target ${v.rollbackTarget?.version ?? '-'}`,
      `at commit ${short(v.commit)}`,
    ]);
  },
});

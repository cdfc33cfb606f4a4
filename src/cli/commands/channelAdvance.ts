import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';
import { MetaError } from '../../errors/MetaError.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; channel: string; expect?: string; expectWave?: number; reason?: string; force?: boolean }>({
  async run(ctx, args) {
    const { advanceWave } = await import('../../api/advanceWave.js');
    if (args.expectWave !== undefined && (!Number.isSafeInteger(args.expectWave) || args.expectWave < 1)) {
      throw new MetaError('INVALID_ARGUMENT', `--expect-wave ${args.expectWave} is not a wave number: give the wave live now as 'channel show' numbers it (1 = the first)`, {});
    }
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await advanceWave(repo, {
      project: args.project, channel: args.channel, expect: args.expect, expectWave: args.expectWave === undefined ? undefined : args.expectWave - 1, reason: args.reason, force: args.force,
    });
    const w = r.rollout!;
    emit(ctx, args, r, () => `${r.project} ${r.channel} ${r.release.version}: wave ${w.wave + 1}/${w.waves.length} (${w.waves[w.wave]}% of hosts; the others keep ${r.previous?.version ?? 'nothing'}) (seq ${r.sequence})\ncommit ${short(r.commit)}`);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';
import { rolloutOption } from '../rolloutOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; channel: string; version: string; expect?: string; reason?: string; requireBinaries?: boolean; force?: boolean; waves?: string; waveInterval?: string; maxFailed?: string }>({
  async run(ctx, args) {
    const { promote } = await import('../../api/promote.js');
    const rollout = rolloutOption(args);
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await promote(repo, { project: args.project, channel: args.channel, version: String(args.version), expect: args.expect, reason: args.reason, requireBinaries: args.requireBinaries, force: args.force, rollout });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => r.changed
      ? `promoted ${r.project} ${r.channel} ${r.release.version} (seq ${r.sequence}, was ${r.previous?.version ?? 'none'})${r.rollout ? `\nrolling out in waves ${r.rollout.waves.join(',')}%: wave 1 (${r.rollout.waves[0]}%) now, the others keep ${r.previous?.version}` : ''}\ncommit ${short(r.commit)}`
      : `${r.release.version} is already live on ${r.channel} (seq ${r.sequence}); nothing written`);
  },
});

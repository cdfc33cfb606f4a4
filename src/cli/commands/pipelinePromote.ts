import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; to: string; expect?: string; force?: boolean; reason?: string; allowCommands?: boolean }>({
  async run(ctx, args) {
    const { promoteThroughPipeline } = await import('../../api/promoteThroughPipeline.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    // Commands run in the invoking directory, so `run: ./smoke.sh` finds a checkout's script.
    const r = await promoteThroughPipeline(repo, {
      project: args.project, version: String(args.version), to: args.to, expect: args.expect, force: args.force, reason: args.reason,
      commands: { allow: args.allowCommands === true, cwd: ctx.cwd },
    });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => {
      const p = r.promotion!;
      const gates = r.outcomes.map((o) => `  ${o.type} ${o.state}: ${o.detail.split('\n')[0]}`);
      return [
        r.promoted ? `promoted ${p.project} ${p.channel} ${p.release.version} (seq ${p.sequence}, was ${p.previous?.version ?? 'none'})${args.force && r.outcomes.some((o) => o.state !== 'passed') ? ' FORCED past failing gates' : ''}` : `${p.release.version} is already live on ${p.channel}; nothing promoted`,
        ...gates,
        ...(r.onPromote ? [`  on_promote ${r.onPromote.state}: ${r.onPromote.detail}`] : []),
        `commit ${short(p.commit)}`,
      ];
    });
  },
});

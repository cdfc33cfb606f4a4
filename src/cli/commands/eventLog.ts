import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; type: string; project?: string; subject?: string; message?: string; attribute?: string[]; label?: string[] }>({
  async run(ctx, args) {
    const { logEvent } = await import('../../api/logEvent.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await logEvent(repo, {
      type: String(args.type), project: args.project, subject: args.subject, message: args.message,
      attributes: parseLabels(args.attribute), labels: parseLabels(args.label),
    });
    emit(ctx, args, r, () => `logged ${r.type}${r.project ? ` for ${r.project}` : ''} at ${r.path}\ncommit ${short(r.commit)}`);
  },
});

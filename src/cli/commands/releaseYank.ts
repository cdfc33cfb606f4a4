import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; reason: string }>({
  async run(ctx, args) {
    const { yankRelease } = await import('../../api/yankRelease.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await yankRelease(repo, { project: args.project, version: String(args.version), reason: String(args.reason) });
    emit(ctx, args, r, () => r.changed
      ? `yanked ${r.project} ${r.version}: it can no longer be promoted; channels running it still resolve to it, flagged\ncommit ${short(r.commit)}`
      : `${r.version} of ${r.project} was already yanked (${r.reason}); nothing written`);
  },
});

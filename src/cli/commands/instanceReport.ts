import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

interface Args extends GlobalArgs {
  push?: boolean;
  project: string; host: string; env: string; status: string; channel?: string; version?: string; digest?: string;
  platform?: string; metaCommit?: string; message?: string; label?: string[];
}

export default defineCommand<Args>({
  async run(ctx, args) {
    const { reportInstance } = await import('../../api/reportInstance.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await reportInstance(repo, {
      project: args.project, host: args.host, env: args.env, status: args.status, channel: args.channel, version: args.version === undefined ? undefined : String(args.version),
      digest: args.digest, platform: args.platform, metaCommit: args.metaCommit, message: args.message, labels: parseLabels(args.label),
    });
    emit(ctx, args, r, () => `reported ${r.project} ${r.env}/${r.host} ${r.status}\ncommit  ${short(r.commit)}`);
  },
});

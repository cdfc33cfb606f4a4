import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; channel: string; name: string; status: string; url?: string; message?: string }>({
  async run(ctx, args) {
    const { recordVerification } = await import('../../api/recordVerification.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await recordVerification(repo, { project: args.project, version: String(args.version), channel: args.channel, name: args.name, status: args.status, url: args.url, message: args.message });
    emit(ctx, args, r, () => `verification ${r.name} ${r.status}: ${r.project} ${r.version} on ${r.channel}\ncommit ${short(r.commit)}`);
  },
});

import { defineCommand } from '../command.js';
import { emit, short } from '../context.js';

export default defineCommand<{ dir?: string; env?: string[]; channel?: string[]; age?: string[]; json?: boolean; actor?: string; repo?: string }>({
  async run(ctx, args) {
    const { initMeta } = await import('../../api/initMeta.js');
    const { repositoryDir } = await import('../../api/repositoryDir.js');
    const ageRecipients: Record<string, string[]> = {};
    for (const spec of args.age ?? []) {
      const i = spec.indexOf('=');
      if (i <= 0) {
        const { MetaError } = await import('../../errors/MetaError.js');
        throw new MetaError('INVALID_ARGUMENT', `--age ${spec}: write it as <env>=<age1…>, e.g. --age prod=age1…`, { value: spec });
      }
      (ageRecipients[spec.slice(0, i)] ??= []).push(spec.slice(i + 1));
    }
    const repo = await initMeta({ dir: repositoryDir(args.dir ?? args.repo, ctx.env, undefined, ctx.cwd), actor: args.actor, env: ctx.env, environments: args.env, channels: args.channel, ageRecipients });
    const commit = repo.store.tip()!;
    emit(ctx, args, { dir: repo.dir, commit }, () => `initialized meta repository ${repo.dir} (commit ${short(commit)})`);
  },
});

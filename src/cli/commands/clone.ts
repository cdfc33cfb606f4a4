import { defineCommand } from '../command.js';
import { emit, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { url: string; dir: string; depth?: number; remote?: string }>({
  async run(ctx, args) {
    const { cloneMeta } = await import('../../api/cloneMeta.js');
    const dir = args.dir.startsWith('/') ? args.dir : `${ctx.cwd}/${args.dir}`;
    const r = await cloneMeta({ url: args.url, dir, depth: args.depth, remote: args.remote, env: ctx.env, actor: args.actor });
    emit(ctx, args, { dir: r.dir, url: r.url, branch: r.branch, commit: r.commit, depth: args.depth ?? null }, () => `cloned ${r.url} into ${r.dir} (${r.branch} at ${short(r.commit)}${args.depth ? `, last ${args.depth} commit(s)` : ''})`);
  },
});

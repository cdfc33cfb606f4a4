import { defineCommand } from '../command.js';
import { emit, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { url: string; dir: string; depth?: number; remote?: string }>({
  command: 'clone <url> <dir>',
  describe: 'clone a meta repository over smart HTTP into a new bare repository',
  builder: (y) => y
    .positional('url', { type: 'string', demandOption: true, describe: 'http(s) URL; credentials come from $META_GIT_TOKEN etc., never from the stored config' })
    .positional('dir', { type: 'string', demandOption: true })
    .option('depth', { type: 'number', describe: 'shallow clone: only the last N commits' })
    .option('remote', { type: 'string', describe: 'remote name (default origin)' }),
  async run(ctx, args) {
    const { cloneMeta } = await import('../../api/cloneMeta.js');
    const dir = args.dir.startsWith('/') ? args.dir : `${ctx.cwd}/${args.dir}`;
    const r = await cloneMeta({ url: args.url, dir, depth: args.depth, remote: args.remote, env: ctx.env, actor: args.actor });
    emit(ctx, args, { dir: r.dir, url: r.url, branch: r.branch, commit: r.commit, depth: args.depth ?? null }, () => `cloned ${r.url} into ${r.dir} (${r.branch} at ${short(r.commit)}${args.depth ? `, last ${args.depth} commit(s)` : ''})`);
  },
});

import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { untilSignalled } from '../untilSignalled.js';

interface ServeArgs extends GlobalArgs {
  listen: string;
  remote?: string;
  fetchInterval: number;
  maxBody: number;
  maxWait: number;
  webhooks: boolean;
  webhookStateDir?: string;
  webhookBackoffMs: number;
  allowPrivateWebhooks: boolean;
  allowCommands: boolean;
  fsync: boolean;
  replicate: boolean;
  replicationStateDir?: string;
  presignS3?: number;
}

export default defineCommand<ServeArgs>({
  async run(ctx, args) {
    const { openMeta } = await import('../../api/openMeta.js');
    const { startServer } = await import('../../serve/MetaServer.js');
    const { repositoryDir, shownRepositoryDir } = await import('../../api/repositoryDir.js');
    const dir = repositoryDir(args.repo, ctx.env, undefined, ctx.cwd);
    const actor = args.actor ?? ctx.env.META_ACTOR ?? 'meta serve';
    let repo;
    let remote;
    if (args.remote) {
      const { openClone, remoteSync } = await import('../../serve/remoteSync.js');
      repo = await openClone({ url: args.remote, dir, env: ctx.env, actor, fsyncObjects: args.fsync });
      remote = await remoteSync(repo, args.remote, args.fetchInterval * 1000);
    } else repo = openMeta({ dir, shownAs: shownRepositoryDir({ dir: args.repo }, ctx.env), actor, env: ctx.env, fsyncObjects: args.fsync, warn: (m) => ctx.err(`meta: ${m}\n`) });
    const server = await startServer({
      repo, listen: args.listen, maxBodyBytes: args.maxBody, maxWaitSeconds: args.maxWait, webhooks: args.webhooks,
      webhookStateDir: args.webhookStateDir, webhookBackoffMs: args.webhookBackoffMs, allowPrivateWebhooks: args.allowPrivateWebhooks, allowCommands: args.allowCommands, remote, env: ctx.env,
      replicate: args.replicate, replicationStateDir: args.replicationStateDir, presignS3Seconds: args.presignS3,
      log: (line) => ctx.err(`meta serve: ${line}\n`),
    });
    ctx.out(args.json ? `${JSON.stringify({ url: server.url, repo: repo.dir })}\n` : `meta serve: listening on ${server.url} (repository ${repo.dir})\n`);
    await untilSignalled();
    await server.close();
    repo.close();
  },
});

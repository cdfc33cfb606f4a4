import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';

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
  fsync: boolean;
}

export default defineCommand<ServeArgs>({
  command: 'serve',
  describe: 'HTTP API: resolve/download for servers, events (SSE), records and reports in (bearer tokens), webhooks out',
  builder: (y) => y
    .option('listen', { type: 'string', default: '127.0.0.1:8080', describe: 'host:port (port 0: any free port; the URL is printed)' })
    .option('remote', { type: 'string', describe: 'serve a clone of this git remote (kept in --repo, cloned when empty), fetched every --fetch-interval seconds; writes are pushed before they are answered' })
    .option('fetch-interval', { type: 'number', default: 10, describe: 'seconds between fetches of --remote' })
    .option('max-body', { type: 'number', default: 1 << 20, describe: 'largest request body in bytes' })
    .option('max-wait', { type: 'number', default: 60, describe: 'longest long-poll (?wait=) in seconds' })
    .option('webhooks', { type: 'boolean', default: true, describe: 'deliver the webhooks listed in meta.yaml (--no-webhooks: do not)' })
    .option('webhook-state-dir', { type: 'string', describe: 'webhook cursors and delivery logs (default <gitdir>/meta-webhooks)' })
    .option('webhook-backoff-ms', { type: 'number', default: 1000, describe: 'first retry delay of a failed delivery (doubles per attempt, up to 5 min)' })
    .option('allow-private-webhooks', { type: 'boolean', default: false, describe: 'deliver webhooks to loopback, private and link-local addresses too (refused by default: meta.yaml is writable by every writer)' })
    .option('fsync', { type: 'boolean', default: true, describe: 'fsync objects before answering a write (--no-fsync: ref only)' }),
  async run(ctx, args) {
    const { openMeta } = await import('../../api/openMeta.js');
    const { startServer } = await import('../../serve/MetaServer.js');
    const dir = args.repo ?? ctx.env.META_REPO ?? ctx.cwd;
    const actor = args.actor ?? ctx.env.META_ACTOR ?? 'meta serve';
    let repo;
    let remote;
    if (args.remote) {
      const { openClone, remoteSync } = await import('../../serve/remoteSync.js');
      repo = await openClone({ url: args.remote, dir, env: ctx.env, actor, fsyncObjects: args.fsync });
      remote = await remoteSync(repo, args.remote, args.fetchInterval * 1000);
    } else repo = openMeta({ dir, actor, env: ctx.env, fsyncObjects: args.fsync, warn: (m) => ctx.err(`meta: ${m}\n`) });
    const server = await startServer({
      repo, listen: args.listen, maxBodyBytes: args.maxBody, maxWaitSeconds: args.maxWait, webhooks: args.webhooks,
      webhookStateDir: args.webhookStateDir, webhookBackoffMs: args.webhookBackoffMs, allowPrivateWebhooks: args.allowPrivateWebhooks, remote, env: ctx.env,
      log: (line) => ctx.err(`meta serve: ${line}\n`),
    });
    ctx.out(args.json ? `${JSON.stringify({ url: server.url, repo: repo.dir })}\n` : `meta serve: listening on ${server.url} (repository ${repo.dir})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    repo.close();
  },
});

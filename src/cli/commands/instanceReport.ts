import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption, withPushOption } from '../pushOption.js';

interface Args extends GlobalArgs {
  push?: boolean;
  project: string; host: string; env: string; status: string; channel?: string; version?: string; digest?: string;
  platform?: string; metaCommit?: string; message?: string; label?: string[];
}

export default defineCommand<Args>({
  command: 'report <project>',
  describe: 'append an InstanceReport by hand (what a host runs)',
  builder: (y) => withPushOption(y)
    .positional('project', { type: 'string', demandOption: true })
    .option('host', { type: 'string', demandOption: true })
    .option('env', { type: 'string', demandOption: true, describe: 'environment of the host' })
    .option('status', { type: 'string', demandOption: true, choices: ['installing', 'running', 'failed'] })
    .option('channel', { type: 'string' })
    .option('version', { type: 'string', describe: 'release the host runs (or failed to install)' })
    .option('digest', { type: 'string', describe: 'sha256:<hex> of the binary it runs' })
    .option('platform', { type: 'string', describe: 'os/arch[/variant]' })
    .option('meta-commit', { type: 'string', describe: 'the meta commit the host resolved at' })
    .option('message', { type: 'string' })
    .option('label', { type: 'string', array: true, describe: 'key=value' }),
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

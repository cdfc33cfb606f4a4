import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; platform: string; at?: string }>({
  command: 'binary <project>',
  describe: 'what to run: channel → release → binary for a platform, at one commit',
  builder: (y) => y
    .positional('project', { type: 'string', demandOption: true })
    .option('channel', { type: 'string', demandOption: true })
    .option('platform', { type: 'string', demandOption: true, describe: 'os/arch[/variant]' })
    .option('at', { type: 'string', describe: 'commit, ref or ISO-8601 date (default: the tip)' }),
  async run(ctx, args) {
    const { resolveBinary } = await import('../../api/resolveBinary.js');
    const repo = await open(ctx, args);
    const r = resolveBinary(repo, { project: args.project, channel: args.channel, platform: args.platform, at: args.at });
    emit(ctx, args, r, () => [
      `${r.project} ${r.channel} ${r.binary.platform}: ${r.release.version} (seq ${r.sequence})`,
      `release githash ${r.release.githash}`,
      `digest  ${r.binary.digest}`,
      `size    ${r.binary.size}`,
      ...r.binary.locations.map((l) => `url     ${l}`),
      ...r.release.sources.map((s) => `source  ${s.url}@${s.commit}${s.path ? `#${s.path}` : ''}`),
      `meta commit ${r.commit}`,
    ]);
  },
});

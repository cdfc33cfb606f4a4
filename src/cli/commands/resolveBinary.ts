import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; platform: string; at?: string; host?: string }>({
  async run(ctx, args) {
    const { resolveBinary } = await import('../../api/resolveBinary.js');
    const repo = await open(ctx, args);
    const r = resolveBinary(repo, { project: args.project, channel: args.channel, platform: args.platform, at: args.at, host: args.host === undefined ? undefined : String(args.host) });
    emit(ctx, args, r, () => [
      `${r.project} ${r.channel} ${r.binary.platform}: ${r.release.version} (seq ${r.sequence})`,
      ...(r.rollout && !r.rollout.complete ? [`rolling out ${r.rollout.version}: wave ${r.rollout.wave + 1}/${r.rollout.waves.length} (${r.rollout.percent}% of hosts; the others run ${r.rollout.fallback})${r.rollout.host === null ? '; pass --host to resolve for one host' : `; ${r.rollout.host} is ${r.rollout.inWave ? 'in' : 'not in'} it`}`] : []),
      ...(r.yank ? [`YANKED  ${r.yank.reason} (by ${r.yank.by} at ${r.yank.at}); followers do not install it anew`] : []),
      `release githash ${r.release.githash}`,
      `digest  ${r.binary.digest}`,
      `size    ${r.binary.size}`,
      ...r.binary.locations.map((l) => `url     ${l}`),
      ...r.release.sources.map((s) => `source  ${s.url}@${s.commit}${s.path ? `#${s.path}` : ''}`),
      `meta commit ${r.commit}`,
    ]);
  },
});

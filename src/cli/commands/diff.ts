import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; from: string; to: string }>({
  async run(ctx, args) {
    const { diffChannel } = await import('../../api/diffChannel.js');
    const repo = await open(ctx, args);
    const d = diffChannel(repo, { project: args.project, channel: args.channel, from: String(args.from), to: String(args.to) });
    emit(ctx, args, d, () => [
      `${d.project} ${d.channel}: ${d.from.release?.version ?? 'none'} (${short(d.from.commit)}) -> ${d.to.release?.version ?? 'none'} (${short(d.to.commit)})`,
      ...d.sources.filter((s) => s.status !== 'same').map((s) => `  source ${s.status.padEnd(8)} ${s.url}${s.path ? `#${s.path}` : ''} ${short(s.from)} -> ${short(s.to)}`),
      ...d.imports.filter((i) => i.status !== 'same').map((i) => `  import ${i.status.padEnd(8)} ${i.module} ${i.from ?? '-'} -> ${i.to ?? '-'}`),
      ...d.binaries.filter((b) => b.status !== 'same').map((b) => `  binary ${b.status.padEnd(8)} ${b.platform} ${b.from ?? '-'} -> ${b.to ?? '-'}`),
    ]);
  },
});

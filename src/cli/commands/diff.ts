import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { shownValue } from './configGet.js';

export default defineCommand<GlobalArgs & { project: string; channel: string; from: string; to: string; env?: string }>({
  async run(ctx, args) {
    const { diffChannel } = await import('../../api/diffChannel.js');
    const repo = await open(ctx, args);
    const channelDiff = diffChannel(repo, { project: args.project, channel: args.channel, from: String(args.from), to: String(args.to) });
    // --env adds the config of that environment + channel: a section of its own.
    const config = args.env === undefined ? undefined : (await import('../../api/config/diffConfig.js')).diffConfig(repo, { project: channelDiff.project, env: args.env, channel: args.channel, from: String(args.from), to: String(args.to) });
    const d = config ? { ...channelDiff, config } : channelDiff;
    emit(ctx, args, d, () => [
      `${d.project} ${d.channel}: ${d.from.release?.version ?? 'none'} (${short(d.from.commit)}) -> ${d.to.release?.version ?? 'none'} (${short(d.to.commit)})`,
      ...d.sources.filter((s) => s.status !== 'same').map((s) => `  source ${s.status.padEnd(8)} ${s.url}${s.path ? `#${s.path}` : ''} ${short(s.from)} -> ${short(s.to)}`),
      ...d.imports.filter((i) => i.status !== 'same').map((i) => `  import ${i.status.padEnd(8)} ${i.module} ${i.from ?? '-'} -> ${i.to ?? '-'}`),
      ...d.binaries.filter((b) => b.status !== 'same').map((b) => `  binary ${b.status.padEnd(8)} ${b.platform} ${b.from ?? '-'} -> ${b.to ?? '-'}`),
      ...(config?.changes ?? []).map((c) => `  config ${c.status.padEnd(8)} ${c.key}${c.status === 'removed' ? '' : ` ${shownValue(c.from ?? '-', c.type === 'json')} -> ${shownValue(c.to ?? '-', c.type === 'json')}`}`),
      ...d.flags.changes.map((f) => `  flag   ${f.status.padEnd(8)} ${JSON.stringify(f.key).slice(1, -1)}${f.fields?.length ? ` (${f.fields.join(', ')})` : ''} (flag set seq ${d.flags.from} -> ${d.flags.to})`),
      ...d.flags.sets.map((p) => `  flags  changed  ${p} (flag set seq ${d.flags.from} -> ${d.flags.to})`),
    ]);
  },
});

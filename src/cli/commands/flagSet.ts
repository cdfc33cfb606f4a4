import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; key: string; channel: string; variants: string; defaultVariant: string; targeting?: string; state?: 'ENABLED' | 'DISABLED'; metadata?: string }>({
  async run(ctx, args) {
    const { MetaError } = await import('../../errors/MetaError.js');
    const { parseJsonText } = await import('../../flags/canonicalJson.js');
    const variants = parseJsonText(String(args.variants), '--variants');
    if (variants === null || typeof variants !== 'object' || Array.isArray(variants)) throw new MetaError('INVALID_ARGUMENT', `--variants must be a JSON object of variant name → value, e.g. '{"on":true,"off":false}'`, {});
    const metadata = args.metadata === undefined ? undefined : parseJsonText(String(args.metadata), '--metadata');
    if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) throw new MetaError('INVALID_ARGUMENT', '--metadata must be a JSON object of string, number or boolean values', {});
    const { setFlag } = await import('../../api/setFlag.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await setFlag(repo, {
      project: args.project, channel: args.channel, key: String(args.key), variants: variants as Record<string, unknown>,
      defaultVariant: args.defaultVariant === 'null' ? null : String(args.defaultVariant),
      targeting: args.targeting === undefined ? undefined : parseJsonText(String(args.targeting), '--targeting'),
      state: args.state, metadata: metadata as Record<string, string> | undefined,
    });
    emit(ctx, args, r, () => r.changed ? `set flag ${args.key} on ${r.project} ${r.channel} (seq ${r.sequence})\ncommit ${short(r.commit)}` : `flag ${args.key} on ${r.channel} already is this (seq ${r.sequence}); nothing written`);
  },
});

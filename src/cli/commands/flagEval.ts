import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; key: string; channel: string; context?: string; type?: 'boolean' | 'string' | 'number' | 'object'; default?: string; at?: string }>({
  async run(ctx, args) {
    const { parseJsonText } = await import('../../flags/canonicalJson.js');
    const { evalFlag } = await import('../../api/evalFlag.js');
    const context = args.context === undefined ? undefined : parseJsonText(String(args.context), '--context');
    const { checkEvaluationContext } = await import('../../flags/evaluateFlag.js');
    const repo = await open(ctx, args);
    const r = await evalFlag(repo, {
      project: args.project, channel: args.channel, key: String(args.key), at: args.at, type: args.type,
      defaultValue: args.default === undefined ? undefined : parseJsonText(String(args.default), '--default'), context: checkEvaluationContext(context, '--context'),
    });
    emit(ctx, args, r, () => [
      `${JSON.stringify(r.key).slice(1, -1)} = ${JSON.stringify(r.value)}`,
      `variant ${r.variant ?? '-'}, reason ${r.reason}${r.errorCode ? `, error ${r.errorCode}: ${r.errorMessage ?? ''}` : ''}`,
      ...(Object.keys(r.flagMetadata).length ? [`metadata ${JSON.stringify(r.flagMetadata)}`] : []),
    ]);
  },
});

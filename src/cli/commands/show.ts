import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { target?: string; at?: string; rawStdin?: boolean }>({
  command: 'show [target]',
  describe: 'decode a record by path or githash (--raw-stdin: decode bytes on stdin, for git textconv)',
  builder: (y) => y
    .positional('target', { type: 'string', describe: 'a record path or its githash' })
    .option('at', { type: 'string', describe: 'commit, ref or ISO-8601 date (for a path)' })
    .option('raw-stdin', { type: 'boolean', describe: 'decode the record bytes given on stdin (or the file named by target)' }),
  async run(ctx, args) {
    if (args.rawStdin) {
      const { decodeRecord } = await import('../../records/codec.js');
      const { readFileSync } = await import('node:fs');
      const bytes = args.target ? readFileSync(args.target) : await ctx.stdin!();
      const any = decodeRecord(bytes, { path: args.target });
      emit(ctx, args, any, () => JSON.stringify(any, null, 2));
      return;
    }
    if (!args.target) {
      const { MetaError } = await import('../../errors/MetaError.js');
      throw new MetaError('INVALID_ARGUMENT', 'give a record path or githash (or --raw-stdin)', {});
    }
    const { showRecord } = await import('../../api/showRecord.js');
    const repo = await open(ctx, args);
    const r = showRecord(repo, { target: args.target, at: args.at });
    emit(ctx, args, r, () => JSON.stringify(r, null, 2));
  },
});

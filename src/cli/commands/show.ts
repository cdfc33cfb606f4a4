import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { target?: string; at?: string; rawStdin?: boolean }>({
  async run(ctx, args) {
    if (args.rawStdin) {
      const { decodeRecord } = await import('../../records/codec.js');
      const { readInputFile, readStdin } = await import('../files.js');
      const bytes = args.target ? await readInputFile(ctx, args.target, 'the record file') : await readStdin(ctx, 'the record', { nonEmpty: true });
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

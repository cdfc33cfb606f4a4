import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { readInputFile, readStdin } from '../files.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; channel: string; file: string }>({
  async run(ctx, args) {
    const { MetaError } = await import('../../errors/MetaError.js');
    const bytes = args.file === '-' ? await readStdin(ctx, 'the flag set', { nonEmpty: true }) : await readInputFile(ctx, args.file, '--file');
    let document: string;
    try {
      document = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new MetaError('INVALID_ARGUMENT', 'the flag file is not valid UTF-8', {});
    }
    const { importFlags } = await import('../../api/importFlags.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await importFlags(repo, { project: args.project, channel: args.channel, document });
    emit(ctx, args, r, () => r.changed ? `imported the flag set of ${r.project} ${r.channel} (seq ${r.sequence})\ncommit ${short(r.commit)}` : `the flag set of ${r.channel} already is this (seq ${r.sequence}); nothing written`);
  },
});

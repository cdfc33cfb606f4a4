import { defineCommand } from '../command.js';
import { emit, open, short, warn, type GlobalArgs } from '../context.js';
import { readInputFile, readStdin } from '../files.js';
import { applyPushOption } from '../pushOption.js';
import { isStdin } from '../secretArgs.js';

export default defineCommand<GlobalArgs & { file: string; push?: boolean }>({
  async run(ctx, args) {
    const data = isStdin(args.file) ? await readStdin(ctx, 'the new meta.yaml', { nonEmpty: true }) : await readInputFile(ctx, args.file, '--file');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      const { MetaError } = await import('../../errors/MetaError.js');
      throw new MetaError('INVALID_ARGUMENT', 'the new meta.yaml is not UTF-8 text', {});
    }
    const { replaceSettings } = await import('../../api/replaceSettings.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await replaceSettings(repo, { text });
    warn(ctx, r.warnings);
    emit(ctx, args, r, () => (r.changed ? `wrote meta.yaml\ncommit ${short(r.commit)}` : 'meta.yaml is already this text; nothing written'));
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { readInputFile, readStdin } from '../files.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; file: string }>({
  async run(ctx, args) {
    const { setPipeline } = await import('../../api/setPipeline.js');
    const data = args.file === '-' ? await readStdin(ctx, 'the pipeline file', { nonEmpty: true }) : await readInputFile(ctx, args.file, '--file');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await setPipeline(repo, { project: args.project, source: data.toString('utf8') });
    emit(ctx, args, r, () => r.changed
      ? `pipeline of ${r.project} is now v${r.sequence}\ncommit ${short(r.commit)}`
      : `pipeline v${r.sequence} of ${r.project} is this file already; nothing written`);
  },
});

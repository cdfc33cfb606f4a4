import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; at?: string }>({
  async run(ctx, args) {
    const { showPipeline } = await import('../../api/showPipeline.js');
    const repo = await open(ctx, args);
    const v = showPipeline(repo, { project: args.project, at: args.at });
    emit(ctx, args, v, () => [
      `# pipeline of ${v.project} v${v.sequence}, set ${v.setAt} by ${v.setBy} (at commit ${short(v.commit)})`,
      v.source.replace(/\n$/, ''),
    ]);
  },
});

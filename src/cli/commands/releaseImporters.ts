import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { module: string; version?: string; at?: string }>({
  async run(ctx, args) {
    const { releaseImporters } = await import('../../api/releaseImporters.js');
    const repo = await open(ctx, args);
    const list = releaseImporters(repo, { module: args.module, version: args.version === undefined ? undefined : String(args.version), at: args.at });
    emit(ctx, args, list, () => list.length === 0
      ? `no release imports ${args.module}${args.version !== undefined ? `@${args.version}` : ''}`
      : list.map((i) => `${i.project} ${i.version} imports ${i.import.module}@${i.import.version || i.import.githash}${i.yanked ? ' [yanked]' : ''}`));
  },
});

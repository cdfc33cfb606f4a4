import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs>({
  async run(ctx, args) {
    const { listRemotes } = await import('../../api/listRemotes.js');
    const repo = await open(ctx, args);
    const list = listRemotes(repo);
    emit(ctx, args, list, () => list.map((r) => `${r.name}\t${r.url}`));
  },
});

import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { at?: string }>({
  async run(ctx, args) {
    const { listProjects } = await import('../../api/listProjects.js');
    const repo = await open(ctx, args);
    const list = listProjects(repo, { at: args.at });
    emit(ctx, args, list.map((p) => ({ name: p.name, repoUrl: p.repoUrl, mainPath: p.mainPath, owners: p.owners, githash: p.githash })), () => list.map((p) => `${p.name}\t${p.repoUrl}${p.mainPath ? `\t${p.mainPath}` : ''}`));
  },
});

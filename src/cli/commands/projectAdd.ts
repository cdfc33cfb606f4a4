import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; name: string; repoUrl: string; mainPath?: string; owner?: string[]; description?: string; label?: string[] }>({
  async run(ctx, args) {
    const { addProject } = await import('../../api/addProject.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await addProject(repo, { name: args.name, repoUrl: args.repoUrl, mainPath: args.mainPath, owners: args.owner, description: args.description, labels: parseLabels(args.label) });
    emit(ctx, args, r, () => `added project ${r.project} (githash ${r.githash}, commit ${short(r.commit)})`);
  },
});

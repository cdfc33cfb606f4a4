import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import type { RecordKind } from '../../records/types.js';

export default defineCommand<GlobalArgs & { project?: string; kind?: string; n?: number }>({
  async run(ctx, args) {
    const { log } = await import('../../api/log.js');
    const repo = await open(ctx, args);
    let project = args.project;
    if (project) {
      const { requireProject, snapshotAt } = await import('../../api/lookup.js');
      project = requireProject(repo, snapshotAt(repo), project).name;
    }
    const items = log(repo, { project, kind: args.kind as RecordKind | undefined, limit: args.n });
    emit(ctx, args, items, () => items.map((i) => `${short(i.commit)} ${i.time} ${i.author}\t${i.subject}${i.shallowBoundary ? '\n(shallow clone boundary: earlier history was not fetched; clone again without --depth to see it)' : ''}`));
  },
});

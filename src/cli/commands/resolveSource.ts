import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { digest: string; at?: string }>({
  async run(ctx, args) {
    const { resolveSource } = await import('../../api/resolveSource.js');
    const repo = await open(ctx, args);
    const r = resolveSource(repo, { digest: args.digest, at: args.at });
    emit(ctx, args, r, () => r.matches.flatMap((m) => [
      `${m.project} ${m.version} ${m.platform} (release githash ${m.releaseGithash}, recorded in ${short(m.recordedIn)})`,
      ...m.sources.map((s) => `  source ${s.url}@${s.commit}${s.path ? `#${s.path}` : ''}`),
      ...m.imports.map((i) => `  import ${i.module}@${i.version || i.githash}`),
    ]));
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; version: string; at?: string; path?: boolean }>({
  async run(ctx, args) {
    const { showRelease } = await import('../../api/showRelease.js');
    const repo = await open(ctx, args);
    const v = showRelease(repo, { project: args.project, version: String(args.version), at: args.at });
    if (args.path) {
      emit(ctx, args, { path: v.path, commit: v.commit }, () => v.path);
      return;
    }
    emit(ctx, args, v, () => [
      `${v.project} ${v.version}${v.yank ? ` [yanked by ${v.yank.by} at ${v.yank.at}: ${v.yank.reason}]` : ''}`,
      `githash ${v.githash}`,
      `path ${v.path}`,
      ...v.release.sources.map((s) => `source ${s.url}${s.path ? `#${s.path}` : ''} ${s.commit}`),
      ...v.release.imports.map((i) => `import ${i.module} ${i.version || i.githash}`),
      ...v.binaries.map((b) => `binary ${b.platform} ${b.digest}`),
      ...(v.release.notes ? [`notes ${v.release.notes}`] : []),
      `at commit ${short(v.commit)}`,
    ]);
  },
});

import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; source: string[]; import?: string[]; notes?: string; label?: string[] }>({
  async run(ctx, args) {
    const { recordRelease, parseImportSpec, parseSourceSpec } = await import('../../api/recordRelease.js');
    const sources = args.source.map(parseSourceSpec);
    const imports = (args.import ?? []).map(parseImportSpec);
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const r = await recordRelease(repo, { project: args.project, version: String(args.version), sources, imports, notes: args.notes, labels: parseLabels(args.label) });
    emit(ctx, args, r, () => `recorded release ${r.project} ${r.version}\ngithash ${r.githash}\ncommit  ${short(r.commit)}`);
  },
});

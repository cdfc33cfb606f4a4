import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';
import { inputFile } from '../files.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; platform: string; file: string; to: string; region?: string; mediaType?: string; label?: string[] }>({
  async run(ctx, args) {
    const { uploadBinary } = await import('../../api/uploadBinary.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const file = await inputFile(ctx, args.file, '--file');
    const r = await uploadBinary(repo, { project: args.project, version: String(args.version), platform: args.platform, file, to: args.to, region: args.region, mediaType: args.mediaType, labels: parseLabels(args.label) });
    emit(ctx, args, r, () => `uploaded and recorded binary ${r.project} ${r.version} ${r.platform}\nat      ${r.url}${r.region ? ` (${r.region})` : ''}, read back and verified\ndigest  ${r.digest} (${r.size} bytes)\ngithash ${r.githash}\ncommit  ${short(r.commit)}`);
  },
});

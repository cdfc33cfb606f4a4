import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';
import { inputFile } from '../files.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; platform: string; file?: string; digest?: string; size?: number; url: string[]; mediaType?: string; label?: string[] }>({
  async run(ctx, args) {
    const { recordBinary } = await import('../../api/recordBinary.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const file = args.file === undefined ? undefined : await inputFile(ctx, args.file, '--file');
    const r = await recordBinary(repo, { project: args.project, version: String(args.version), platform: args.platform, file, digest: args.digest, size: args.size, urls: args.url, mediaType: args.mediaType, labels: parseLabels(args.label) });
    emit(ctx, args, r, () => `recorded binary ${r.project} ${r.version} ${r.platform}\ndigest  ${r.digest} (${r.size} bytes)\ngithash ${r.githash}\ncommit  ${short(r.commit)}`);
  },
});

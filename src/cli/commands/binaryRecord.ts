import { defineCommand } from '../command.js';
import { emit, open, parseLabels, short, type GlobalArgs } from '../context.js';
import { applyPushOption, withPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version: string; platform: string; file?: string; digest?: string; size?: number; url: string[]; mediaType?: string; label?: string[] }>({
  command: 'record <project> <version>',
  describe: 'record a binary of a release for one platform',
  builder: (y) => withPushOption(y)
    .positional('project', { type: 'string', demandOption: true })
    .positional('version', { type: 'string', demandOption: true })
    .option('platform', { type: 'string', demandOption: true, describe: 'os/arch[/variant], e.g. linux/amd64' })
    .option('file', { type: 'string', describe: 'the binary: digest and size are computed by streaming it' })
    .option('digest', { type: 'string', describe: 'sha256:<hex> (with --size, instead of --file)' })
    .option('size', { type: 'number', describe: 'bytes (with --digest)' })
    .option('url', { type: 'string', array: true, demandOption: true, describe: 'immutable location (repeatable)' })
    .option('media-type', { type: 'string' })
    .option('label', { type: 'string', array: true, describe: 'key=value' }),
  async run(ctx, args) {
    const { recordBinary } = await import('../../api/recordBinary.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    const file = args.file === undefined ? undefined : args.file.startsWith('/') ? args.file : `${ctx.cwd}/${args.file}`;
    const r = await recordBinary(repo, { project: args.project, version: String(args.version), platform: args.platform, file, digest: args.digest, size: args.size, urls: args.url, mediaType: args.mediaType, labels: parseLabels(args.label) });
    emit(ctx, args, r, () => `recorded binary ${r.project} ${r.version} ${r.platform}\ndigest  ${r.digest} (${r.size} bytes)\ngithash ${r.githash}\ncommit  ${short(r.commit)}`);
  },
});

import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { absolute, isStdin, writeOut } from '../secretArgs.js';

type Format = 'yaml' | 'json' | 'dotenv' | 'binary';

export default defineCommand<GlobalArgs & { file: string; age?: string[]; out?: string; format?: Format }>({
  async run(ctx, args) {
    const { encryptSecretFile } = await import('../../api/encryptSecretFile.js');
    const { MetaError } = await import('../../errors/MetaError.js');
    const stdin = isStdin(args.file);
    if (stdin && !ctx.stdin) throw new MetaError('INVALID_ARGUMENT', 'no standard input to read - from', {});
    const recipients = (args.age ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter((a) => a !== '');
    const { readInputFile } = await import('../files.js');
    const text = await encryptSecretFile({ file: stdin ? '-' : absolute(ctx, args.file), data: stdin ? await ctx.stdin!() : await readInputFile(ctx, args.file, 'the file'), format: args.format ?? (stdin ? 'yaml' : undefined), recipients });
    if (args.out !== undefined) await writeOut(absolute(ctx, args.out), text, 0o644);
    else ctx.out(text);
  },
});

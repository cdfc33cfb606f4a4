import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { absolute, formatOption, isStdin, writeOut } from '../secretArgs.js';

type Format = 'yaml' | 'json' | 'dotenv' | 'binary';

export default defineCommand<GlobalArgs & { file: string; age?: string[]; out?: string; format?: Format }>({
  command: 'encrypt <file>',
  describe: 'encrypt any file outside the repository as SOPS (like sops -e); - reads stdin',
  builder: (y) => formatOption(y
    .positional('file', { type: 'string', demandOption: true })
    .option('age', { type: 'string', array: true, describe: 'age recipient (repeatable; default: the nearest .sops.yaml rule for the file)' })
    .option('out', { type: 'string', describe: 'write the encrypted file here instead of stdout' }), 'file format (default: from the file name; yaml for stdin)'),
  async run(ctx, args) {
    const { encryptSecretFile } = await import('../../api/secretsFile.js');
    const { MetaError } = await import('../../errors/MetaError.js');
    const stdin = isStdin(args.file);
    if (stdin && !ctx.stdin) throw new MetaError('INVALID_ARGUMENT', 'no standard input to read - from', {});
    const recipients = (args.age ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter((a) => a !== '');
    const text = await encryptSecretFile({ file: stdin ? '-' : absolute(ctx, args.file), data: stdin ? await ctx.stdin!() : undefined, format: args.format ?? (stdin ? 'yaml' : undefined), recipients });
    if (args.out !== undefined) await writeOut(absolute(ctx, args.out), text, 0o644);
    else ctx.out(text);
  },
});

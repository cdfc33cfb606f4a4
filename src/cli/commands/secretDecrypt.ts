import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { absolute, formatOption, isStdin, identityArgs, identityOption, printable, writeOut } from '../secretArgs.js';

type Format = 'yaml' | 'json' | 'dotenv' | 'binary';

export default defineCommand<GlobalArgs & { file: string; out?: string; format?: Format; identity?: string[] }>({
  command: 'decrypt <file>',
  describe: 'decrypt any SOPS file outside the repository (like sops -d); - reads stdin',
  builder: (y) => formatOption(identityOption(y
    .positional('file', { type: 'string', demandOption: true })
    .option('out', { type: 'string', describe: 'write the plaintext here (mode 0600) instead of stdout' })), 'file format (default: from the file name; yaml for stdin)'),
  async run(ctx, args) {
    const { decryptSecretFile } = await import('../../api/secretsFile.js');
    const { MetaError } = await import('../../errors/MetaError.js');
    const stdin = isStdin(args.file);
    if (stdin && !ctx.stdin) throw new MetaError('INVALID_ARGUMENT', 'no standard input to read - from', {});
    const file = stdin ? '-' : absolute(ctx, args.file);
    const out = args.out !== undefined ? absolute(ctx, args.out) : undefined;
    if (out !== undefined && out === file) throw new MetaError('INVALID_ARGUMENT', '--out names the encrypted input: write the plaintext elsewhere', { path: out });
    const bytes = await decryptSecretFile({ file, data: stdin ? await ctx.stdin!() : undefined, format: args.format ?? (stdin ? 'yaml' : undefined), ...identityArgs(ctx, args.identity) });
    if (out !== undefined) await writeOut(out, bytes, 0o600);
    else ctx.out(await printable(bytes, args.file));
  },
});

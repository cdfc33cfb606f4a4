import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { absolute, isStdin, identityArgs, printable, writeOut } from '../secretArgs.js';

type Format = 'yaml' | 'json' | 'dotenv' | 'binary';

export default defineCommand<GlobalArgs & { file: string; out?: string; format?: Format; identity?: string[] }>({
  async run(ctx, args) {
    const { decryptSecretFile } = await import('../../api/decryptSecretFile.js');
    const { MetaError } = await import('../../errors/MetaError.js');
    const stdin = isStdin(args.file);
    if (stdin && !ctx.stdin) throw new MetaError('INVALID_ARGUMENT', 'no standard input to read - from', {});
    const file = stdin ? '-' : absolute(ctx, args.file);
    const out = args.out !== undefined ? absolute(ctx, args.out) : undefined;
    if (out !== undefined && out === file) throw new MetaError('INVALID_ARGUMENT', '--out names the encrypted input: write the plaintext elsewhere', { path: out });
    const { readInputFile } = await import('../files.js');
    const bytes = await decryptSecretFile({ file, data: stdin ? await ctx.stdin!() : await readInputFile(ctx, args.file, 'the file'), format: args.format ?? (stdin ? 'yaml' : undefined), ...identityArgs(ctx, args.identity) });
    if (out !== undefined) await writeOut(out, bytes, 0o600);
    else ctx.out(await printable(bytes, args.file));
  },
});

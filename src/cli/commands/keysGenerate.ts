import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { absolute } from '../secretArgs.js';

/**
 * Where the identity goes, decided for safety: with --out, only into that new file (mode 0600,
 * never overwritten) and stdout gets the recipient; without --out, the key file goes to stdout
 * only when stdout is not a terminal (`meta keys generate > key.txt`, like age-keygen), so a
 * secret key is never left in a terminal's scrollback; the recipient then goes to stderr.
 */
export default defineCommand<GlobalArgs & { out?: string }>({
  async run(ctx, args) {
    const { MetaError } = await import('../../errors/MetaError.js');
    const { repositoryDir } = await import('../../api/repositoryDir.js');
    const out = args.out !== undefined ? absolute(ctx, args.out) : undefined;
    if (out === undefined && ctx.isTTY) {
      throw new MetaError('INVALID_ARGUMENT', 'refusing to print a secret key to the terminal: pass --out <file> (e.g. ~/.config/sops/age/keys.txt) or redirect stdout to a file', {});
    }
    // Only a repository the user named is guarded: the current directory need not be one.
    const named = args.repo !== undefined || ctx.env.META_REPO !== undefined;
    const { generateKeys } = await import('../../api/generateKeys.js');
    const k = await generateKeys({ out, repoDir: named ? repositoryDir(args.repo, ctx.env, undefined, ctx.cwd) : undefined });
    if (out !== undefined) {
      ctx.out(args.json ? `${JSON.stringify({ recipient: k.recipient, file: out }, null, 2)}\n` : `${k.recipient}\n`);
      if (!args.json) ctx.err(`wrote the identity to ${out} (mode 0600); the line above is its public key (recipient)\n`);
    } else {
      ctx.out(args.json ? `${JSON.stringify({ recipient: k.recipient, identity: k.identity }, null, 2)}\n` : k.keyFile);
      if (!args.json) ctx.err(`Public key: ${k.recipient}\n`);
    }
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { absolute, formatOption, identityArgs, identityOption, isStdin } from '../secretArgs.js';
import { applyPushOption, withPushOption } from '../pushOption.js';

type Format = 'yaml' | 'json' | 'dotenv' | 'binary';

export default defineCommand<GlobalArgs & { secret: string; pairs?: string[]; file?: string; format?: Format; unset?: string[]; replace?: boolean; identity?: string[] }>({
  command: 'set <secret> [pairs..]',
  describe: 'write a new version of <env>/<name>: key=value pairs, --file <file> or --file - (stdin, keeps values out of shell history)',
  builder: (y) => withPushOption(formatOption(identityOption(y
    .positional('secret', { type: 'string', demandOption: true, describe: '<env>/<name>, e.g. prod/db' })
    .positional('pairs', { type: 'string', array: true, describe: 'key=value (visible in shell history and ps: prefer --file -)' })
    .option('file', { type: 'string', describe: 'plaintext YAML/JSON/dotenv whose top-level keys are set, or any file for a binary secret; - reads stdin' })
    .option('unset', { type: 'string', array: true, describe: 'remove a top-level key (repeatable)' })
    .option('replace', { type: 'boolean', describe: 'start from an empty secret instead of the newest version (needs no identity)' })), 'format of a new secret and of --file - (default: from the --file name, else yaml)')),
  async run(ctx, args) {
    const { MetaError } = await import('../../errors/MetaError.js');
    const values: [string, string][] = (args.pairs ?? []).map((p, n) => {
      const i = String(p).indexOf('=');
      // Not quoted: a value typed without its key is the secret itself.
      if (i <= 0) throw new MetaError('INVALID_ARGUMENT', `argument ${n + 1} after the secret name is not key=value; to pass a value without = use --file -`, {});
      return [String(p).slice(0, i), String(p).slice(i + 1)];
    });
    let document: { data: Uint8Array; format: Format } | undefined;
    if (args.file !== undefined) {
      const { detectFormat } = await import('../../secrets/store.js');
      let data: Uint8Array;
      if (isStdin(args.file)) {
        if (!ctx.stdin) throw new MetaError('INVALID_ARGUMENT', 'no standard input to read --file - from', {});
        data = await ctx.stdin();
      } else {
        const { readFileSync } = await import('node:fs');
        try {
          data = readFileSync(absolute(ctx, args.file));
        } catch (e) {
          throw new MetaError('NOT_FOUND', `cannot read --file ${args.file}: ${(e as Error).message}`, { path: args.file });
        }
      }
      document = { data, format: isStdin(args.file) ? (args.format ?? 'yaml') : detectFormat(args.file, args.format) };
    }
    const { setSecret } = await import('../../api/secretsSet.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await setSecret(repo, { secret: args.secret, values, document, unset: args.unset, replace: args.replace, format: args.format, ...identityArgs(ctx, args.identity) });
    emit(ctx, args, r, () => r.changed
      ? `secret set ${r.env}/${r.name} (v${r.version}, keys: ${r.keys.join(', ')}) for ${r.recipients.length} recipient(s)\ncommit ${short(r.commit)}`
      : `${r.env}/${r.name} v${r.version} already holds these values; nothing written`);
  },
});

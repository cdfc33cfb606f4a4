import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { identityArgs, isStdin } from '../secretArgs.js';
import { readInputFile, readStdin } from '../files.js';
import { applyPushOption } from '../pushOption.js';

type Format = 'yaml' | 'json' | 'dotenv' | 'binary';

export default defineCommand<GlobalArgs & { secret: string; env?: string; pairs?: string[]; file?: string; format?: Format; unset?: string[]; replace?: boolean; identity?: string[] }>({
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
      if (isStdin(args.file)) data = await readStdin(ctx, '--file -');
      else data = await readInputFile(ctx, args.file, '--file');
      document = { data, format: isStdin(args.file) ? (args.format ?? 'yaml') : detectFormat(args.file, args.format) };
    }
    const { setSecret } = await import('../../api/setSecret.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await setSecret(repo, { secret: args.secret, env: args.env, values, document, unset: args.unset, replace: args.replace, format: args.format, ...identityArgs(ctx, args.identity) });
    emit(ctx, args, r, () => r.changed
      ? `secret set ${r.env}/${r.name} (v${r.version}, keys: ${r.keys.join(', ')}) for ${r.recipients.length} recipient(s)\ncommit ${short(r.commit)}`
      : `${r.env}/${r.name} v${r.version} already holds these values; nothing written`);
  },
});

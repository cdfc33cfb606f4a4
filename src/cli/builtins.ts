import type { CliContext, GlobalArgs } from './context.js';
import type { Builtin } from './grammar.js';

/**
 * The commands about the CLI itself. They read the command table, which is why they live here
 * (loaded by main.ts once chosen) and not behind the table's own lazy imports.
 */
export const BUILTINS: Record<Builtin, (ctx: CliContext, args: GlobalArgs & Record<string, unknown>) => Promise<void>> = {
  async help(ctx, args) {
    const words = args.command as string[];
    const { helpFor } = await import('./help.js');
    const { checkWords, findCommand } = await import('./parse.js');
    checkWords(words);
    if (args.json) {
      // The declarations themselves, for tools that build on the CLI.
      const { COMMANDS } = await import('./specs.js');
      const spec = findCommand(words);
      const list = (spec ? [spec] : COMMANDS.filter((c) => words.every((w, i) => c.path[i] === w)))
        .map(({ path, describe, positionals, options }) => ({ command: path.join(' '), describe, positionals: positionals ?? [], options: options ?? {} }));
      ctx.out(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    ctx.out(helpFor(words)!);
  },

  async version(ctx, args) {
    const { readFileSync } = await import('node:fs');
    // dist/cli/ and src/cli/ both sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    if (!args.json) {
      ctx.out(`meta ${pkg.version}\n`);
      return;
    }
    const { SCHEMA_VERSION } = await import('../records/codec.js');
    ctx.out(`${JSON.stringify({ version: pkg.version, schemaVersion: SCHEMA_VERSION, node: process.version }, null, 2)}\n`);
  },

  async completion(ctx, args) {
    const { completionScript } = await import('./completion.js');
    ctx.out(completionScript(args.shell as 'bash' | 'zsh' | 'fish'));
  },
};

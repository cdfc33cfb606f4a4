import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs>({
  async run(ctx, args) {
    const { readFileSync } = await import('node:fs');
    // dist/cli/commands/ and src/cli/commands/ both sit three levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    if (!args.json) {
      ctx.out(`meta ${pkg.version}\n`);
      return;
    }
    const { SCHEMA_VERSION } = await import('../../records/codec.js');
    ctx.out(`${JSON.stringify({ version: pkg.version, schemaVersion: SCHEMA_VERSION, node: process.version }, null, 2)}\n`);
  },
});

import { defineCommand } from '../command.js';
import { open, type GlobalArgs } from '../context.js';
import { absolute, identityArgs, printable, writeOut } from '../secretArgs.js';

export default defineCommand<GlobalArgs & { secret: string; env?: string; key?: string; at?: string; version?: number; out?: string; identity?: string[] }>({
  async run(ctx, args) {
    const { getSecret } = await import('../../api/getSecret.js');
    const repo = await open(ctx, args);
    const r = await getSecret(repo, { secret: args.secret, env: args.env, key: args.key, at: args.at, version: args.version, ...identityArgs(ctx, args.identity) });
    let bytes: Uint8Array;
    if (args.json) {
      const value = JSON.parse(JSON.stringify(r.value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))) as unknown;
      bytes = Buffer.from(`${JSON.stringify({ env: r.env, name: r.name, version: r.version, commit: r.commit, path: r.path, format: r.format, value }, null, 2)}\n`);
    } else if (args.key !== undefined) {
      const v = r.value;
      bytes = v instanceof Uint8Array ? v : Buffer.from(`${typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}\n`);
    } else {
      bytes = typeof r.plaintext === 'string' ? Buffer.from(r.plaintext) : r.plaintext;
    }
    if (args.out !== undefined) await writeOut(absolute(ctx, args.out), bytes, 0o600);
    else ctx.out(await printable(bytes, `${r.env}/${r.name}`));
  },
});

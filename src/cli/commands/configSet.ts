import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

interface ConfigSetArgs extends GlobalArgs {
  project: string;
  pairs?: string[];
  env?: string;
  channel?: string;
  json?: boolean;
  jsonValue?: string[];
  secret?: string[];
  unset?: string[];
}

export default defineCommand<ConfigSetArgs>({
  async run(ctx, args) {
    const { MetaError } = await import('../../errors/MetaError.js');
    const pairs = (what: string, list: string[] | undefined): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const [n, p] of (list ?? []).entries()) {
        const i = String(p).indexOf('=');
        if (i <= 0) throw new MetaError('INVALID_ARGUMENT', `${what} ${n + 1} is not KEY=VALUE`, {});
        const key = String(p).slice(0, i);
        if (Object.prototype.hasOwnProperty.call(out, key)) throw new MetaError('INVALID_ARGUMENT', `config key ${key} is given twice; give each key once`, { key });
        out[key] = String(p).slice(i + 1);
      }
      return out;
    };
    const { setConfig } = await import('../../api/config/setConfig.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await setConfig(repo, {
      project: args.project, env: args.env, channel: args.channel,
      set: pairs('argument', args.pairs), json: pairs('--json-value', args.jsonValue), secrets: pairs('--secret', args.secret), unset: args.unset,
    });
    const layer = r.env ? `${r.env}${r.channel ? ` ${r.channel}` : ''}` : 'defaults';
    emit(ctx, args, r, () => r.changed
      ? [`config ${r.project} ${layer}: seq ${r.sequence}, commit ${short(r.commit)}`, ...r.changes.map((c) => `  ${c.status === 'added' ? '+' : c.status === 'removed' ? '-' : '~'} ${c.key}`)]
      : `config ${r.project} ${layer} already holds these values (seq ${r.sequence}); nothing written`);
  },
});

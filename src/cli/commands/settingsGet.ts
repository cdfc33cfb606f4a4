import { defineCommand } from '../command.js';
import { open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { key?: string; at?: string }>({
  async run(ctx, args) {
    const repo = await open(ctx, args);
    if (args.key === undefined && !args.json) {
      // The whole file as committed, comments included (and readable even when it does not parse).
      const { settingsText } = await import('../../api/writeSettings.js');
      const { snapshotAt } = await import('../../api/lookup.js');
      const text = settingsText(snapshotAt(repo, args.at));
      ctx.out(text.endsWith('\n') ? text : `${text}\n`);
      return;
    }
    const { getSetting } = await import('../../api/getSetting.js');
    const r = getSetting(repo, { key: args.key, at: args.at });
    if (args.json) {
      ctx.out(`${JSON.stringify(r.value ?? null, null, 2)}\n`);
      return;
    }
    const v = r.value;
    if (v === null || typeof v !== 'object') ctx.out(`${String(v)}\n`);
    else {
      const { stringify } = await import('yaml');
      ctx.out(stringify(v, { lineWidth: 0 }));
    }
  },
});

import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';
import { identityArgs } from '../secretArgs.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { env?: string; identity?: string[] }>({
  async run(ctx, args) {
    const { updateSecretKeys } = await import('../../api/updateSecretKeys.js');
    const repo = await open(ctx, args);
    await applyPushOption(repo, args as { push?: boolean });
    const r = await updateSecretKeys(repo, { env: args.env, ...identityArgs(ctx, args.identity) });
    emit(ctx, args, r, () => {
      const lines = r.items.map((i) => i.action === 'unchanged'
        ? `${i.env}/${i.name}: v${i.from} already matches its recipients`
        : i.action === 'rotated'
          ? `${i.env}/${i.name}: v${i.to} with a NEW data key (removed ${i.removed.join(', ')}${i.added.length ? `; added ${i.added.join(', ')}` : ''}): removed keys cannot open v${i.to}; older versions in history stay readable by them, so change the values if a key leaked`
          : `${i.env}/${i.name}: v${i.to} re-wrapped for ${i.added.join(', ')} (same data key)`);
      if (r.items.length === 0) lines.push(`no secrets${args.env ? ` in ${args.env}` : ''}`);
      lines.push(r.commit ? `commit ${short(r.commit)}` : 'nothing written');
      return lines;
    });
  },
});

import { MetaError } from '../../errors/MetaError.js';
import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { from?: string; to?: string }>({
  async run(ctx, args) {
    const { verify } = await import('../../api/verify.js');
    const repo = await open(ctx, args);
    const r = verify(repo, { from: args.from, to: args.to });
    emit(ctx, args, r, () => [
      ...r.violations.map((v) => `${short(v.commit)} ${v.kind.padEnd(17)} ${v.path}${v.to ? ` -> ${v.to}` : ''}`.trimEnd() + `\n    ${v.message}`),
      `${r.ok ? 'ok' : `${r.violations.length} violation(s)`}: ${r.commits} commit(s), ${r.records} record(s) checked${r.shallow ? ' (shallow clone: history before the boundary not checked)' : ''}`,
    ]);
    if (!r.ok) {
      throw new MetaError('VERIFY_FAILED', `${r.violations.length} violation(s) of the append-only contract; the first: ${[r.violations[0]!.kind, r.violations[0]!.path].filter(Boolean).join(' ')} at ${r.violations[0]!.commit}`, { count: r.violations.length });
    }
  },
});

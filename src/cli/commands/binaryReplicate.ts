import { MetaError } from '../../errors/MetaError.js';
import { binaryTarget } from '../binaryTarget.js';
import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';
import { applyPushOption } from '../pushOption.js';

export default defineCommand<GlobalArgs & { push?: boolean; project: string; version?: string; platform?: string; to: string[]; region?: string[]; parallel: number; retries: number }>({
  async run(ctx, args) {
    const { replicateBinary } = await import('../../api/replicateBinary.js');
    const regions = args.region ?? [];
    if (regions.length > args.to.length) throw new MetaError('INVALID_ARGUMENT', `${regions.length} --region for ${args.to.length} --to: give one --region per --to, in the same order`, {});
    const target = binaryTarget(args.project, args.version, args.platform);
    const repo = await open(ctx, args);
    await applyPushOption(repo, args);
    // Progress goes to stderr, and only to a terminal: a CI log gets the summary alone.
    const progress = process.stderr.isTTY === true && ctx.color !== false;
    const r = await replicateBinary(repo, {
      target, to: args.to.map((url, i) => ({ url, region: regions[i] })), parallel: args.parallel, retries: args.retries,
      onProgress: progress ? (p) => ctx.err(`\r\x1b[K${p.state} ${p.url}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}${p.state === 'done' || p.state === 'failed' ? '\n' : ''}`) : undefined,
    });
    if (progress) ctx.err('\r\x1b[K');
    emit(ctx, args, r, () => [
      `${r.project} ${r.version} ${r.platform} ${r.digest}`,
      ...r.results.map((x) => x.ok
        ? `ok      ${x.url}${x.region ? ` (${x.region})` : ''}: verified${x.attempts > 1 ? ` after ${x.attempts} attempts` : ''}`
        : `FAILED  ${x.url}${x.region ? ` (${x.region})` : ''} after ${x.attempts} attempt(s): ${x.error!.message}`),
    ]);
    const failed = r.results.filter((x) => !x.ok);
    if (failed.length) {
      throw new MetaError('REPLICATION_FAILED', `${failed.length} of ${r.results.length} destination(s) failed (each reported as a binary.replication_failed event); the copies that worked are recorded. Run the same command again to retry`, { failed: failed.map((f) => f.url) });
    }
  },
});

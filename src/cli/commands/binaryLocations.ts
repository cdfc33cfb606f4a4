import { MetaError } from '../../errors/MetaError.js';
import { binaryTarget } from '../binaryTarget.js';
import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { project: string; version?: string; platform?: string; verify?: boolean; deep?: boolean; at?: string }>({
  async run(ctx, args) {
    const { listBinaryLocations } = await import('../../api/listBinaryLocations.js');
    const target = binaryTarget(args.project, args.version, args.platform);
    const repo = await open(ctx, args);
    const r = await listBinaryLocations(repo, { target, verify: args.verify === true || args.deep === true, deep: args.deep === true, at: args.at });
    emit(ctx, args, r, () => [
      `${r.project} ${r.version} ${r.platform} ${r.digest} (${r.size} bytes)`,
      ...r.locations.map((l) => `${l.check ? `${l.check.toUpperCase().padEnd(8)}` : ''}${(l.region || '-').padEnd(10)} ${l.url}\n    ${l.method === 'recorded' ? 'recorded' : `verified (${l.method})`} ${l.verifiedAt} by ${l.verifiedBy}${l.problem ? `\n    ${l.problem}` : ''}`),
    ]);
    if (r.bad) {
      const bad = r.locations.filter((l) => l.check !== 'ok');
      throw new MetaError('INTEGRITY', `${bad.length} of ${r.locations.length} location(s) are missing, corrupt or could not be checked: ${bad.map((l) => `${l.url} (${l.check})`).join(', ')}`, { bad: bad.map((l) => ({ url: l.url, check: l.check })) });
    }
  },
});

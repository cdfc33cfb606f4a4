// The warm boot-meta side of the benchmarks: a long-lived process that opens the repository once
// and answers one request per stdin line with one JSON line, like a server or a CI agent would.
import { createInterface } from 'node:readline';

const dist = new URL('../../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);
const { openMeta } = await load('api/openMeta.js');
const { recordRelease } = await load('api/recordRelease.js');
const { resolveBinary } = await load('api/resolveBinary.js');
const { resolveSource } = await load('api/resolveSource.js');
const { channelHistory } = await load('api/channels.js');

const repo = openMeta({ dir: process.argv[2], actor: 'bench <bench@example.com>', env: {} });
const ops = {
  append: (m) => recordRelease(repo, m.opts).then((r) => r.commit),
  read: (m) => repo.reader.at(repo.store.snapshot(), m.path, 'release')?.record.version,
  resolve: (m) => resolveBinary(repo, m.opts).binary.digest,
  resolveAt: (m) => resolveBinary(repo, m.opts).release.version,
  source: (m) => resolveSource(repo, m.opts).matches.length,
  history: (m) => channelHistory(repo, m.opts).length,
  addedBy: (m) => repo.store.log().addedBy(m.path)?.commit,
  rss: () => process.resourceUsage().maxRSS,
};
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const m = JSON.parse(line);
  try {
    const value = await ops[m.op](m);
    process.stdout.write(`${JSON.stringify({ ok: true, value })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(e?.stack ?? e) })}\n`);
  }
}
repo.close();

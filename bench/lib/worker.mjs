// The warm side of the benchmarks: a long-lived process that opens the repository once, like a
// server or a CI agent would, and runs warm cases (bench/lib/warmCases.mjs) on request: one JSON
// line in, one JSON line out. Its peak RSS is what boot-meta costs warm.
import { createInterface } from 'node:readline';
import { runWarmCase } from './warmCases.mjs';

const { openMeta } = await import(new URL('../../dist/api/openMeta.js', import.meta.url).href);
const repo = openMeta({ dir: process.argv[2], actor: 'bench <bench@example.com>', env: {} });
const sources = (v) => [
  { url: 'https://git.example/bench/app', commit: '1'.repeat(40), path: '', tag: `v${v}` },
  { url: 'https://git.example/org/shared-lib', commit: '2'.repeat(40), path: 'lib', tag: '' },
];
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const m = JSON.parse(line);
  try {
    const value = await runWarmCase(repo, { ...m, sources });
    process.stdout.write(`${JSON.stringify({ ok: true, value: { ...value, metaRssKB: process.resourceUsage().maxRSS } })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(e?.stack ?? e) })}\n`);
  }
}
repo.close();

// Group-commit throughput of `meta serve`: N concurrent instance reports over HTTP (a bounded
// number in flight) against a server on a copy of the fixture, on 127.0.0.1; and, as the native
// reference, `git fast-import` writing the same number of records in one stream, split over the
// same number of commits the server used. Both report records/s; the ratio is git's rate over
// boot-meta's (so, like every other ratio in the table, below 1 means boot-meta is ahead).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { makeEncoder } from './fixture.mjs';

const dist = (p) => import(new URL(`../../dist/${p}`, import.meta.url).href);
const TOKEN = 'bench-reporter-token';

/**
 * `metaDir`, `gitDir`: two copies of the fixture (written to). `fx`: its facts. Returns
 * { meta: {ms, rps, commits, rssKB}, git: {ms, rps, commits} } where ms is the wall time of the
 * whole batch.
 */
export async function serveThroughput({ metaDir, gitDir, fx, requests = 2000, inFlight = 64 }) {
  const { openMeta } = await dist('api/openMeta.js');
  const { readMetaSettings } = await dist('api/readMetaSettings.js');
  const { startServer } = await dist('serve/MetaServer.js');
  // fsyncObjects: what `meta serve` does by default (--fsync), so the rate is the one users get.
  const repo = openMeta({ dir: metaDir, actor: 'bench <bench@example.com>', env: {}, fsyncObjects: true });
  const cur = readMetaSettings(repo.store.snapshot());
  const sha256 = createHash('sha256').update(TOKEN, 'utf8').digest('hex');
  const text = `# boot-meta repository settings\n${stringify({ ...cur, serve: { tokens: [{ name: 'fleet', sha256, scopes: ['reports'] }] } })}`;
  await repo.store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from(text), replace: true }], message: 'settings' }), { actor: repo.actor });

  const b = fx.binaries[0];
  const body = JSON.stringify({ env: 'prod', channel: 'stable', version: b.version, digest: b.digest, platform: b.platform, status: 'running' });
  const server = await startServer({ repo, listen: '127.0.0.1:0', webhooks: false });
  const post = (i) => fetch(`${server.url}/v1/projects/${encodeURIComponent(b.project)}/instances/bench-host-${i}/report`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  }).then(async (r) => {
    const t = await r.text();
    if (r.status !== 201) throw new Error(`report ${i}: HTTP ${r.status} ${t}`);
  });
  let meta;
  try {
    await post(-1); // warm-up: first request opens what the server opens lazily
    const start = server.committer.commits;
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < requests) await post(next++);
    }));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    meta = { ms, rps: requests / (ms / 1000), commits: server.committer.commits - start, rssKB: process.resourceUsage().maxRSS };
  } finally {
    await server.close();
    repo.close();
  }

  // git fast-import: the same number of records, in as many commits as the server made, one stream.
  const encode = await makeEncoder();
  const commits = Math.max(1, meta.commits);
  const tip = spawnSync('git', ['-C', gitDir, 'rev-parse', fx.ref], { encoding: 'utf8' }).stdout.trim();
  const parts = [];
  const t = Math.floor(Date.now() / 1000);
  const person = `bench <bench@example.com> ${t} +0000`;
  let k = 0;
  for (let c = 0; c < commits; c++) {
    const msg = `reports ${c}`;
    parts.push(Buffer.from(`commit ${fx.ref}\nauthor ${person}\ncommitter ${person}\ndata ${Buffer.byteLength(msg)}\n${msg}\n${c === 0 ? `from ${tip}\n` : ''}`));
    const end = Math.round(((c + 1) * requests) / commits);
    for (; k < end; k++) {
      const { path, data } = encode({ kind: 'release', project: b.project, version: `7.${Math.floor(k / 1000)}.${k % 1000}` }, new Date());
      parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`), Buffer.from(data), Buffer.from('\n'));
    }
    parts.push(Buffer.from('\n'));
  }
  const input = Buffer.concat(parts);
  const t1 = process.hrtime.bigint();
  const r = spawnSync('git', ['-C', gitDir, 'fast-import', '--quiet', '--date-format=raw'], { input, maxBuffer: 1 << 26 });
  const gms = Number(process.hrtime.bigint() - t1) / 1e6;
  if (r.status !== 0) throw new Error(`git fast-import failed: ${r.stderr}`);
  return { meta, git: { ms: gms, rps: requests / (gms / 1000), commits } };
}

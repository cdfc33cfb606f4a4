// The warm cases, run inside one long-lived process (bench/lib/worker.mjs): boot-meta as a library
// call, git as a round trip to a process kept open (or a git command a script would run), both
// timed from the same caller, alternating round by round.
import { CatFile, FastImport } from './lines.mjs';
import { runCold } from './proc.mjs';
import { makeEncoder, git } from './fixture.mjs';

const dist = (p) => import(new URL(`../../dist/${p}`, import.meta.url).href);

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Alternates `meta(i)` and `git(i)`; returns the timings after `warmup` rounds. */
async function alternate(meta, gitSide, rounds, warmup) {
  const out = { meta: [], git: [] };
  for (let i = 0; i < warmup + rounds; i++) {
    const order = i % 2 ? ['git', 'meta'] : ['meta', 'git'];
    for (const side of order) {
      const ms = side === 'meta' ? await timed(() => meta(i)) : await gitSide(i);
      if (i >= warmup) out[side].push(ms);
    }
  }
  return out;
}

const coldMs = (args) => runCold('git', args).ms;

/**
 * Runs one warm case. `c` names the case and carries its inputs (paths, queries) prepared by the
 * harness so both sides ask for the same things. Returns { meta: ms[], git: ms[], gitRssKB }.
 */
export async function runWarmCase(repo, c) {
  const { recordRelease } = await dist('api/recordRelease.js');
  const { resolveBinary } = await dist('api/resolveBinary.js');
  const { resolveSource } = await dist('api/resolveSource.js');
  const { channelHistory } = await dist('api/channelHistory.js');
  const { decodeRecord } = await dist('records/codec.js');
  const { parseTree } = await dist('store/gitObjects.js');
  const L = await dist('records/layout.js');
  const { rounds, warmup, ref } = c;
  const dir = repo.store.dir;
  let gitRssKB;
  let r;
  switch (c.id) {
    case 'warm-append': {
      const encode = await makeEncoder();
      const fi = new FastImport(c.gitDir, ref);
      const tip = git(c.gitDir, ['rev-parse', ref]).trim();
      r = await alternate(
        (i) => recordRelease(repo, { project: c.project, version: `9.0.${i}`, sources: c.sources(`9.0.${i}`) }),
        async (i) => {
          const { path, data, message } = encode({ kind: 'release', project: c.project, version: `9.0.${i}` }, new Date());
          return timed(() => fi.commit(path, data, message, tip));
        },
        rounds, warmup);
      gitRssKB = fi.rssKB();
      await fi.close();
      break;
    }
    case 'warm-read': {
      const cf = new CatFile(dir);
      r = await alternate(
        (i) => repo.reader.at(repo.store.snapshot(), c.paths[i], 'release'),
        (i) => timed(() => cf.get(`${ref}:${c.paths[i]}`)),
        rounds, warmup);
      gitRssKB = cf.rssKB();
      await cf.close();
      break;
    }
    case 'warm-resolve': {
      const cf = new CatFile(dir);
      // What a script does with cat-file: list the channel, take the newest record, follow its
      // release githash, read the release and the binary (one round trip each), decoding the two
      // records it must look into.
      const gitResolve = async (q) => {
        const chan = `projects/${q.project}/channels/stable`;
        const shards = parseTree((await cf.get(`${ref}:${chan}`)).data);
        const files = parseTree((await cf.get(shards[shards.length - 1].oid)).data);
        const prom = decodeRecord((await cf.get(files[files.length - 1].oid)).data).record;
        const rel = decodeRecord((await cf.get(prom.release.githash)).data).record;
        const [os, arch] = q.platform.split('/');
        return (await cf.get(`${ref}:${L.binaryPath(q.project, rel.version, { os, arch, variant: '' })}`)).data;
      };
      r = await alternate((i) => resolveBinary(repo, c.queries[i]), (i) => timed(() => gitResolve(c.queries[i])), rounds, warmup);
      gitRssKB = cf.rssKB();
      await cf.close();
      break;
    }
    case 'warm-added-by':
      r = await alternate((i) => repo.store.log().addedBy(c.paths[i]), (i) => coldMs(['-C', dir, 'log', '-1', '--format=%H', '--diff-filter=A', ref, '--', c.paths[i]]), rounds, warmup);
      break;
    case 'warm-history':
      r = await alternate(() => channelHistory(repo, { project: c.project, channel: 'stable' }),
        () => coldMs(['-C', dir, 'log', '--format=%H %ct %an', '--diff-filter=A', '--name-only', ref, '--', `projects/${c.project}/channels/stable`]), rounds, warmup);
      break;
    case 'warm-at-date':
      r = await alternate(() => resolveBinary(repo, { project: c.project, channel: 'stable', platform: c.platform, at: c.date }),
        () => runCold('sh', ['-c', `c=$(git -C "${dir}" rev-list -1 --first-parent --before=${c.date} ${ref}) && git -C "${dir}" cat-file -p "$c:projects/${c.project}/channels/stable/00000" >/dev/null`]).ms, rounds, warmup);
      break;
    case 'warm-source':
      r = await alternate(() => resolveSource(repo, { digest: c.digest }), () => coldMs(['-C', dir, 'grep', '-l', '-F', c.digest, ref, '--', 'projects']), rounds, warmup);
      break;
    default:
      throw new Error(`unknown warm case ${c.id}`);
  }
  return { ...r, gitRssKB };
}

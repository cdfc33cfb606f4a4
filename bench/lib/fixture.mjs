// Builds benchmark fixtures fast: a real boot-meta repository (`initMeta`, real encoded records,
// real layout paths) whose history is streamed through `git fast-import`, one commit per record as
// the CLI would write it, then optionally packed with `git repack -ad`. 10k records take seconds.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const dist = new URL('../../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);

export const ACTOR = 'bench <bench@example.com>';
export const BASE_TIME = Date.UTC(2025, 0, 1) / 1000;
/** Seconds between two fixture commits. */
export const STEP = 60;
export const PLATFORMS = ['linux/amd64', 'linux/arm64'];

export function git(dir, args, opts = {}) {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: opts.encoding ?? 'utf8', input: opts.input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sha = (s) => createHash('sha1').update(s).digest('hex');

/**
 * The records of a fixture with `n` records, in commit order: per project a project record, then
 * per release a release record, one binary per platform, and a promotion to `stable` of every
 * release (so channels grow with the repository). Returns plain descriptions; `encode` makes bytes.
 */
export function* plan(n, projects) {
  let written = 0;
  const proj = Array.from({ length: projects }, (_, i) => ({ name: `org${i % 4}/app${String(i).padStart(2, '0')}`, releases: 0, seq: 0, last: null }));
  for (const p of proj) {
    if (written >= n) return;
    yield { kind: 'project', project: p.name };
    written++;
  }
  for (let k = 0; written < n; k++) {
    const p = proj[k % projects];
    const version = `1.${Math.floor(p.releases / 1000)}.${p.releases % 1000}`;
    p.releases++;
    yield { kind: 'release', project: p.name, version };
    if (++written >= n) return;
    for (const platform of PLATFORMS) {
      yield { kind: 'binary', project: p.name, version, platform };
      if (++written >= n) return;
    }
    p.seq++;
    yield { kind: 'promotion', project: p.name, version, seq: p.seq };
    if (++written >= n) return;
  }
}

/** Encodes one planned record; keeps per-project state (release githashes, last promotion). */
export async function makeEncoder() {
  const { encodeRecord } = await load('records/codec.js');
  const { makeHeader } = await load('records/makeHeader.js');
  const L = await load('records/layout.js');
  const { blobHash } = await load('store/gitObjects.js');
  const releases = new Map(); // project@version -> githash
  const lastPromotion = new Map(); // project -> { githash, version, release }
  return (r, when) => {
    const h = (kind) => makeHeader(kind, ACTOR, when);
    let path, data, message;
    if (r.kind === 'project') {
      path = L.projectPath(r.project);
      data = encodeRecord('project', { header: h('project'), name: r.project, repoUrl: `https://git.example/${r.project}`, mainPath: '', owners: [], description: '' });
      message = `add project ${r.project}`;
    } else if (r.kind === 'release') {
      path = L.releasePath(r.project, r.version);
      data = encodeRecord('release', {
        header: h('release'), project: r.project, version: r.version, imports: [], notes: '',
        sources: [
          { url: `https://git.example/${r.project}`, commit: sha(`${r.project}@${r.version}`), path: '', tag: `v${r.version}` },
          { url: 'https://git.example/org/shared-lib', commit: sha(`lib@${r.version}`), path: 'lib', tag: '' },
        ],
      });
      releases.set(`${r.project}@${r.version}`, blobHash(data));
      message = `record release ${r.project} ${r.version}`;
    } else if (r.kind === 'binary') {
      const [os, arch] = r.platform.split('/');
      path = L.binaryPath(r.project, r.version, { os, arch, variant: '' });
      data = encodeRecord('binary', {
        header: h('binary'), project: r.project, release: { githash: releases.get(`${r.project}@${r.version}`), version: r.version },
        platform: { os, arch, variant: '' }, digest: digestOf(r), size: 10_000_000 + r.version.length, mediaType: 'application/octet-stream',
        locations: [`s3://bench-artifacts/${r.project}/${r.version}/${os}-${arch}`], signatures: [], provenance: '', provenanceType: '',
      });
      message = `record binary ${r.project} ${r.version} ${r.platform}`;
    } else {
      const release = { githash: releases.get(`${r.project}@${r.version}`), version: r.version };
      const prev = lastPromotion.get(r.project);
      path = L.promotionPath(r.project, 'stable', r.seq);
      data = encodeRecord('promotion', {
        header: h('promotion'), project: r.project, channel: 'stable', sequence: r.seq, action: 'promote', release,
        previous: prev?.release ?? null, reason: '', rollout: null, expectedPreviousSequence: r.seq - 1, approvals: [], previousPromotion: prev?.githash ?? '',
      });
      lastPromotion.set(r.project, { githash: blobHash(data), release });
      message = `promote ${r.project} stable ${r.version} (seq ${r.seq})`;
    }
    return { path, data, message };
  };
}

/** The sha256 digest the fixture gives a binary (so benchmarks can look one up). */
export function digestOf(r) {
  return `sha256:${createHash('sha256').update(`${r.project}@${r.version}/${r.platform}`).digest('hex')}`;
}

/**
 * Creates `dir` as a boot-meta repository holding `n` records (plus the template commit). With
 * `pack`, the history ends up in one pack (`git repack -ad`), as after a `git gc` or a clone.
 * Returns facts the benchmarks query: projects, a sample of records, dates.
 */
export async function buildFixture(dir, { n, projects = Math.max(1, Math.min(20, Math.ceil(n / 500))), pack = true } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const { initMeta } = await load('api/initMeta.js');
  const repo = await initMeta({ dir, actor: ACTOR, env: {} });
  const root = repo.store.tip();
  const ref = repo.store.branchRef;
  repo.close();
  const encode = await makeEncoder();
  const fi = spawn('git', ['-C', dir, 'fast-import', '--quiet', '--date-format=raw'], { stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise((res, rej) => fi.on('exit', (c) => (c === 0 ? res() : rej(new Error(`git fast-import exited ${c}`)))));
  const facts = { n, projects: [], releases: [], binaries: [], promotions: [], firstTime: BASE_TIME, lastTime: BASE_TIME, commits: 0 };
  let chunks = [];
  let size = 0;
  const flush = async () => {
    if (!fi.stdin.write(Buffer.concat(chunks))) await new Promise((r) => fi.stdin.once('drain', r));
    chunks = [];
    size = 0;
  };
  let t = BASE_TIME;
  let first = true;
  for (const r of plan(n, projects)) {
    t += STEP;
    const { path, data, message } = encode(r, new Date(t * 1000));
    const person = `bench <bench@example.com> ${t} +0000`;
    const head = `commit ${ref}\nauthor ${person}\ncommitter ${person}\ndata ${Buffer.byteLength(message) + 1}\n${message}\n${first ? `from ${root}\n` : ''}M 100644 inline ${path}\ndata ${data.length}\n`;
    first = false;
    chunks.push(Buffer.from(head), Buffer.from(data), Buffer.from('\n'));
    size += head.length + data.length;
    if (size > 1 << 20) await flush();
    facts.commits++;
    if (r.kind === 'project') facts.projects.push(r.project);
    else if (r.kind === 'release') facts.releases.push({ project: r.project, version: r.version, path });
    else if (r.kind === 'binary') facts.binaries.push({ project: r.project, version: r.version, platform: r.platform, path, digest: digestOf(r) });
    else facts.promotions.push({ project: r.project, seq: r.seq, version: r.version, path });
  }
  await flush();
  fi.stdin.end();
  await done;
  facts.lastTime = t;
  if (pack) git(dir, ['repack', '-adq']);
  facts.dir = dir;
  facts.ref = ref;
  facts.tip = git(dir, ['rev-parse', ref]).trim();
  return facts;
}

/** Builds the fixture once and reuses it while its description matches (fixtures are gitignored). */
export async function cachedFixture(dir, opts) {
  const key = JSON.stringify({ v: 2, ...opts });
  const factsFile = `${dir}.facts.json`;
  let f;
  if (existsSync(factsFile) && existsSync(dir)) {
    const cached = JSON.parse(readFileSync(factsFile, 'utf8'));
    if (cached.key === key && git(dir, ['rev-parse', cached.ref]).trim() === cached.tip) f = cached;
  }
  if (!f) {
    f = await buildFixture(dir, opts);
    f.key = key;
  }
  // The derived log index is built from scratch on every run, as the first query after a clone
  // would, by the code under test: its one-time cost is reported, and the cases use it as cached.
  rmSync(join(dir, 'meta-cache', 'log-v2'), { recursive: true, force: true });
  const { openMeta } = await load('api/openMeta.js');
  const t0 = process.hrtime.bigint();
  const repo = openMeta({ dir, actor: ACTOR, env: {} });
  repo.store.log().entries();
  f.logIndexBuildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  repo.close();
  writeFileSync(factsFile, JSON.stringify(f));
  return f;
}

#!/usr/bin/env node
// `npm run bench`: boot-meta against native git on the same fixture repositories, side by side.
// Each case alternates the two sides (and `node -e 0` for cold processes) round by round after a
// warm-up, and reports medians, peak RSS and the ratio boot-meta / git, checked against the
// targets in README "Performance". Results: bench/results/<date>.json and .md, and the table on stdout.
//
//   node bench/run.mjs [--sizes 1000,10000] [--large] [--rounds 15] [--warm-rounds 60]
//                      [--only case,case] [--out bench/results] [--no-write] [--quick]
//                      [--serve-requests 2000]
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir, release as osRelease } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cachedFixture, makeEncoder, git, ACTOR } from './lib/fixture.mjs';
import { MetaWorker } from './lib/lines.mjs';
import { runCold, canMeasureRss } from './lib/proc.mjs';
import { serveThroughput } from './lib/serveCase.mjs';
import { median, fmtMs, fmtMB, fmtRatio } from './lib/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const META = join(root, 'bin/meta');
const APPEND_SH = join(root, 'bench/git/append.sh');

export function parseArgs(argv) {
  const o = { sizes: [1000, 10000], rounds: 15, warmRounds: 60, warmup: 3, out: join(root, 'bench/results'), write: true, only: null, fixtures: join(root, 'bench/fixtures') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--large') o.sizes = [...new Set([...o.sizes, 100000])];
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--warm-rounds') o.warmRounds = Number(v());
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--only') o.only = v().split(',');
    else if (a === '--out') o.out = v();
    else if (a === '--fixtures') o.fixtures = v();
    else if (a === '--no-write') o.write = false;
    else if (a === '--serve-requests') o.serveRequests = Number(v());
    else if (a === '--quick') Object.assign(o, { sizes: [300], rounds: 3, warmRounds: 5, warmup: 1, serveRequests: 100 });
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** A deterministic pseudo-random sequence, so both sides of a case ask for the same things. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Runs `sides` (name -> async () => {ms, rssKB?}) alternately; warm-up rounds are dropped. */
async function alternate(sides, rounds, warmup) {
  const names = Object.keys(sides);
  const out = Object.fromEntries(names.map((n) => [n, { ms: [], rss: [] }]));
  for (let i = 0; i < warmup + rounds; i++) {
    const order = i % 2 ? [...names].reverse() : names;
    for (const n of order) {
      const r = await sides[n](i);
      if (i >= warmup) {
        out[n].ms.push(r.ms);
        if (r.rssKB !== undefined) out[n].rss.push(r.rssKB);
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ms: median(out[n].ms), rssKB: out[n].rss.length ? Math.max(...out[n].rss) : undefined, rounds: out[n].ms.length }]));
}

const cold = (cmd, args, cwd) => () => runCold(cmd, args, { cwd });

const HTTP_SERVER = join(root, 'test/helpers/gitHttpServerProcess.mjs');

/** `git http-backend` on 127.0.0.1 (the test suite's server process), serving `<root>/*.git`. */
async function startHttp(serveRoot) {
  const child = spawn(process.execPath, [HTTP_SERVER, JSON.stringify({ root: serveRoot })], { stdio: ['pipe', 'pipe', 'inherit'] }); // it exits when its stdin closes
  const port = await new Promise((res, rej) => {
    let buf = '';
    child.once('exit', (c) => rej(new Error(`git http server exited (${c})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /listening (\d+)\n/.exec(buf);
      if (m) res(Number(m[1]));
      if (buf.length > 1 << 16) buf = buf.slice(-100);
    });
  });
  return { url: `http://127.0.0.1:${port}/meta.git`, close: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

/**
 * Clone of the whole repository, and fetch of the last 100 commits into a clone that lacks them:
 * `meta clone` / `meta pull` against `git clone --bare` / `git fetch`, both over smart HTTP.
 */
async function remoteCases(opts, fx, work, want, add, log) {
  const serveRoot = join(work, 'serve');
  const served = join(serveRoot, 'meta.git');
  mkdirSync(serveRoot, { recursive: true });
  cpSync(fx.dir, served, { recursive: true });
  rmSync(join(served, 'meta-cache'), { recursive: true, force: true });
  const http = await startHttp(serveRoot);
  const big = fx.n >= 50000;
  const rounds = big ? 2 : Math.max(2, Math.ceil(opts.rounds / 3));
  const warm = big ? 0 : 1;
  const env = { ...process.env, META_ACTOR: ACTOR };
  try {
    if (want('clone')) {
      const r = await alternate({
        meta: (i) => { const d = join(work, `mclone${i}`); const x = runCold(META, ['clone', http.url, d], { env }); rmSync(d, { recursive: true, force: true }); return x; },
        git: (i) => { const d = join(work, `gclone${i}`); const x = runCold('git', ['clone', '-q', '--bare', http.url, d]); rmSync(d, { recursive: true, force: true }); return x; },
      }, rounds, warm);
      add({ id: 'clone', title: 'full clone over smart HTTP', meta: r.meta, git: r.git, gitCmd: 'git clone --bare (git http-backend on 127.0.0.1)', against: 'git', limit: 3, rssLimit: 3, rssAgainstGit: true, target: '≤ 3× git clone, RSS ≤ 3×' });
    }
    if (want('fetch') && fx.commits > 150) {
      // Clients one hundred commits behind: the server's branch is moved back while they clone.
      const before = git(served, ['rev-parse', `${fx.ref}~100`]).trim();
      git(served, ['update-ref', fx.ref, before]);
      const mBase = join(work, 'mbase');
      const gBase = join(work, 'gbase');
      runCold(META, ['clone', http.url, mBase], { env });
      git(work, ['clone', '-q', '--bare', http.url, gBase]);
      git(served, ['update-ref', fx.ref, fx.tip]);
      const fresh = (base, i) => { const d = `${base}-${i}`; rmSync(d, { recursive: true, force: true }); cpSync(base, d, { recursive: true }); return d; };
      const r = await alternate({
        meta: (i) => runCold(META, ['pull'], { cwd: fresh(mBase, i), env }),
        git: (i) => runCold('git', ['-C', fresh(gBase, i), 'fetch', '-q', 'origin', `+${fx.ref}:${fx.ref}`]),
      }, rounds, warm);
      add({ id: 'fetch', title: 'fetch 100 new commits over smart HTTP', meta: r.meta, git: r.git, gitCmd: 'git fetch (git http-backend on 127.0.0.1)', against: 'git', limit: 1.5, target: '≤ 1.5× git fetch' });
    }
  } finally {
    await http.close();
  }
  log('  (remote cases done)');
}

/** True when the built CLI has a top-level command `name` (others are still building some). */
/** Whether this build has a command: its own help answers (an unknown command is a usage error). */
function metaHasCommand(name) {
  return spawnSync(process.execPath, [META, name, '--help'], { encoding: 'utf8' }).status === 0;
}

/**
 * The cases for one fixture. Each returns { id, title, meta, git, node?, ratio, target, met, note }.
 * `target` is a human string; `limit` the ratio to meet and against what ('git' or 'node').
 */
async function runSize(opts, n, log) {
  const fx = await cachedFixture(join(opts.fixtures, `packed-${n}`), { n });
  const work = join(opts.fixtures, `work-${n}`);
  rmSync(work, { recursive: true, force: true });
  const metaDir = join(work, 'meta');
  const gitDir = join(work, 'git');
  cpSync(fx.dir, metaDir, { recursive: true });
  cpSync(fx.dir, gitDir, { recursive: true });
  const ref = fx.ref;
  const R = opts.rounds;
  const W = opts.warmRounds;
  const rand = rng(n);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const cases = [];
  const want = (id) => !opts.only || opts.only.includes(id);
  const add = (c) => {
    const base = c.against === 'node' ? c.node : c.git;
    c.ratio = c.meta.ms / base.ms;
    const rssBase = c.against === 'node' ? c.node?.rssKB : c.rssAgainstGit ? c.git.rssKB : undefined;
    c.rssRatio = rssBase && c.meta.rssKB ? c.meta.rssKB / rssBase : undefined;
    c.met = c.limit === undefined ? null : c.ratio <= c.limit && (c.rssLimit === undefined || c.rssRatio === undefined || c.rssRatio <= c.rssLimit);
    cases.push(c);
    log(`  ${c.id}: boot-meta ${fmtMs(c.meta.ms)} / ${c.against === 'node' ? 'node -e 0' : 'git'} ${fmtMs(base.ms)} = ${fmtRatio(c.ratio)}${c.met === null ? '' : c.met ? ' (met)' : ' (NOT met)'}`);
  };
  const encode = await makeEncoder();
  const project = fx.projects[0];

  const sample = pick(fx.promotions);
  const midDate = new Date((fx.firstTime + Math.floor((fx.lastTime - fx.firstTime) / 2)) * 1000).toISOString().replace('.000Z', 'Z');

  // --- warm, in a long-lived process ---------------------------------------------------------
  // Both sides are timed inside the worker: a library call there against a round trip from there
  // to git kept open (or a git command), so neither side pays the harness's IPC.
  const worker = new MetaWorker(metaDir);
  const q = pick(fx.binaries);
  const WARM = [
    ['warm-append', 'append 1 record + commit, warm process', 'git fast-import kept open (commit + checkpoint)', 1, () => ({ project, gitDir })],
    ['warm-read', 'read 1 record at the tip, warm process', 'git cat-file --batch kept open', 1, (k) => ({ paths: Array.from({ length: k }, () => pick(fx.releases).path) })],
    ['warm-resolve', 'resolve channel → release → binary, warm process', 'git cat-file --batch kept open (5 round trips)', 1,
      (k) => ({ queries: Array.from({ length: k }, () => ({ project: pick(fx.projects), channel: 'stable', platform: pick(['linux/amd64', 'linux/arm64']) })) })],
    ['warm-history', 'channel history, warm library', 'git log --diff-filter=A --name-only -- <channel dir>', 1, () => ({ project: sample.project }), true],
    ['warm-at-date', 'resolve binary --at <date>, warm library', 'sh: git rev-list -1 --before=<date> + git cat-file -p', 1, () => ({ project: q.project, platform: q.platform, date: midDate }), true],
    ['warm-source', 'resolve source <digest>, warm library', 'git grep -l -F <digest> <ref>', 1, () => ({ digest: q.digest }), true],
    ['warm-added-by', '"which commit added this record", warm library', 'git log -1 --diff-filter=A -- <path>', 1, (k) => ({ paths: Array.from({ length: k }, () => pick([...fx.releases, ...fx.promotions]).path) }), true],
  ];
  for (const [id, title, gitCmd, limit, params, gitIsCold] of WARM) {
    if (!want(id)) continue;
    const rounds = gitIsCold ? R : W;
    const v = await worker.call('case', { id, rounds, warmup: opts.warmup, ref, ...params(opts.warmup + rounds) });
    add({ id, title, gitCmd, against: 'git', limit, target: gitIsCold ? '≤ 1× git' : `≤ ${limit}× ${gitCmd.split(' (')[0].replace(' kept open', '')}`,
      meta: { ms: median(v.meta), rssKB: v.metaRssKB, rounds: v.meta.length }, git: { ms: median(v.git), rssKB: v.gitRssKB, rounds: v.git.length } });
  }
  await worker.close();

  // --- cold, one process per operation ----------------------------------------------------------
  const node0 = cold(process.execPath, ['-e', '0']);
  if (want('cold-record')) {
    const tmp = join(work, 'rec.pb');
    const r = await alternate({
      meta: (i) => runCold(META, ['release', 'record', project, '--version', `8.0.${i}`, '--source', `https://git.example/bench/app@${'1'.repeat(40)}`, '--source', `https://git.example/org/shared-lib@${'2'.repeat(40)}#lib`], { cwd: metaDir, env: { ...process.env, META_ACTOR: ACTOR } }),
      git: (i) => {
        const { path, data, message } = encode({ kind: 'release', project, version: `8.0.${i}` }, new Date());
        writeFileSync(tmp, data);
        return runCold(APPEND_SH, [gitDir, ref, path, tmp, message]);
      },
      node: node0,
    }, R, opts.warmup);
    add({ id: 'cold-record', title: '`meta release record`, one process per append', meta: r.meta, git: r.git, node: r.node, gitCmd: 'sh: hash-object -w, mktree along the path, commit-tree, update-ref', against: 'node', limit: 3, rssLimit: 2, target: '≤ 3× node -e 0, RSS ≤ 2×' });
  }
  if (want('cold-resolve')) {
    const q = pick(fx.binaries);
    const r = await alternate({
      meta: cold(META, ['resolve', 'binary', q.project, '--channel', 'stable', '--platform', q.platform], metaDir),
      git: cold('git', ['-C', metaDir, 'cat-file', 'blob', `${ref}:${q.path}`]),
      node: node0,
    }, R, opts.warmup);
    add({ id: 'cold-resolve', title: '`meta resolve binary`, cold process', meta: r.meta, git: r.git, node: r.node, gitCmd: 'git cat-file blob <ref>:<path> (one read)', against: 'node', limit: 2, rssLimit: 2, target: '≤ 2× node -e 0, RSS ≤ 2×' });
  }
  if (want('history')) {
    const r = await alternate({
      meta: cold(META, ['channel', 'history', sample.project, 'stable'], metaDir),
      git: cold('git', ['-C', metaDir, 'log', '--format=%H %ct %an', '--diff-filter=A', '--name-only', ref, '--', `projects/${sample.project}/channels/stable`]),
    }, R, opts.warmup);
    add({ id: 'history', title: '`meta channel history`, cold process', meta: r.meta, git: r.git, gitCmd: 'git log --diff-filter=A --name-only -- <channel dir>', against: 'git', limit: 1, target: '≤ 1× git log' });
  }
  if (want('at-date')) {
    const q = pick(fx.binaries);
    const chan = `projects/${q.project}/channels/stable/00000`;
    const r = await alternate({
      meta: cold(META, ['resolve', 'binary', q.project, '--channel', 'stable', '--platform', q.platform, '--at', midDate], metaDir),
      git: cold('sh', ['-c', `c=$(git -C "${metaDir}" rev-list -1 --first-parent --before=${midDate} ${ref}) && git -C "${metaDir}" cat-file -p "$c:${chan}" >/dev/null`]),
    }, R, opts.warmup);
    add({ id: 'at-date', title: '`meta resolve binary --at <date>`, cold process', meta: r.meta, git: r.git, gitCmd: 'sh: git rev-list -1 --before=<date> + git cat-file -p <commit>:<channel>', against: 'git', limit: 1, target: '≤ 1× git rev-list --before' });
  }
  if (want('source')) {
    const q = pick(fx.binaries);
    const r = await alternate({
      meta: cold(META, ['resolve', 'source', q.digest], metaDir),
      git: cold('git', ['-C', metaDir, 'grep', '-l', '-F', q.digest, ref, '--', 'projects']),
    }, R, opts.warmup);
    add({ id: 'source', title: '`meta resolve source <digest>`, cold process', meta: r.meta, git: r.git, gitCmd: 'git grep -l -F <digest> <ref>', against: 'git', limit: 1, target: '≤ 1× git grep' });
  }
  if (want('cold-added-by')) {
    const path = pick(fx.releases).path;
    const script = `const {openMeta}=await import(${JSON.stringify(new URL('../dist/api/openMeta.js', import.meta.url).href)});const r=openMeta({dir:process.argv[1],actor:'x',env:{}});const e=r.store.log().addedBy(process.argv[2]);if(!e)process.exit(1);console.log(e.commit);`;
    const r = await alternate({
      meta: cold(process.execPath, ['--input-type=module', '-e', script, metaDir, path]),
      git: cold('git', ['-C', metaDir, 'log', '-1', '--format=%H', '--diff-filter=A', ref, '--', path]),
    }, R, opts.warmup);
    add({ id: 'cold-added-by', title: '"which commit added this record", cold library call', meta: r.meta, git: r.git, gitCmd: 'git log -1 --diff-filter=A -- <path>', against: 'git', limit: 1, target: '≤ 1× git log' });
  }
  if (want('verify')) {
    if (metaHasCommand('verify')) {
      const big = n >= 50000;
      const r = await alternate({
        meta: cold(META, ['verify'], metaDir),
        git: cold('git', ['-C', metaDir, 'fsck', '--strict']),
      }, big ? 2 : Math.max(3, Math.ceil(R / 3)), big ? 0 : 1);
      add({ id: 'verify', title: '`meta verify`, whole history', meta: r.meta, git: r.git, gitCmd: 'git fsck --strict', against: 'git', limit: 3, target: '≤ 3× git fsck' });
    } else cases.push({ id: 'verify', title: '`meta verify`, whole history', todo: 'TODO: `meta verify` does not exist yet in this build' });
  }
  if (want('clone') || want('fetch')) {
    if (metaHasCommand('clone') && metaHasCommand('pull') && existsSync(HTTP_SERVER)) await remoteCases(opts, fx, work, want, add, log);
    else cases.push({ id: 'clone', title: 'clone / fetch 100 commits over smart HTTP', todo: 'TODO: `meta clone`/`meta pull` or test/helpers/gitHttpServerProcess.mjs missing in this build' });
  }
  if (want('serve') || want('serve-throughput')) {
    // One batch (the server's writes accumulate); wall time of the whole batch on both sides, so
    // the ratio of times is git's records/s over boot-meta's.
    const requests = opts.serveRequests ?? (n <= 1000 ? 500 : 2000);
    const inFlight = 64;
    const sMeta = join(work, 'serve-meta');
    const sGit = join(work, 'serve-git');
    cpSync(fx.dir, sMeta, { recursive: true });
    cpSync(fx.dir, sGit, { recursive: true });
    const r = await serveThroughput({ metaDir: sMeta, gitDir: sGit, fx, requests, inFlight });
    const rate = (x) => `${Math.round(x).toLocaleString('en')} records/s`;
    add({ id: 'serve-throughput', title: `\`meta serve\` group-commit throughput: ${requests.toLocaleString('en')} instance reports, ${inFlight} in flight (time for the batch)`,
      meta: { ms: r.meta.ms, rssKB: r.meta.rssKB, rounds: 1 }, git: { ms: r.git.ms, rounds: 1 }, against: 'git', limit: undefined, target: '– (reported)',
      gitCmd: `boot-meta ${rate(r.meta.rps)} in ${r.meta.commits} commits over HTTP on 127.0.0.1; git fast-import, one stream, same number of records in the same number of commits: ${rate(r.git.rps)} (no HTTP, no validation)` });
  }
  rmSync(work, { recursive: true, force: true });
  return { n, commits: fx.commits + 1, projects: fx.projects.length, logIndexBuildMs: fx.logIndexBuildMs, cases };
}

function machine() {
  const v = (cmd, args) => { try { return spawnSync(cmd, args, { encoding: 'utf8' }).stdout.trim(); } catch { return ''; } };
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), os: `${process.platform} ${osRelease()}`, node: process.version, git: v('git', ['--version']), rss: canMeasureRss ? 'GNU time %M' : 'not measured (no /usr/bin/time)' };
}

export function markdown(res) {
  const m = res.machine;
  const lines = [`# boot-meta vs native git — ${res.date}`, '', `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGB} GB RAM, ${m.os}; ${m.node}, ${m.git}. Medians of ${res.rounds.cold} cold / ${res.rounds.warm} warm rounds after a warm-up, sides alternating; ratio = boot-meta / reference.`, ''];
  for (const s of res.sizes) {
    lines.push(`## ${s.n.toLocaleString('en')} records (${s.commits.toLocaleString('en')} commits, packed)`, '');
    if (s.logIndexBuildMs) lines.push(`Log index built once from scratch (as after a clone) in ${fmtMs(s.logIndexBuildMs)}; the cases below use it as cached.`, '');
    lines.push('| case | boot-meta | git | node -e 0 | ratio | target | met | peak RSS meta / git / node | git command |', '|---|---|---|---|---|---|---|---|---|');
    for (const c of s.cases) {
      if (c.todo) { lines.push(`| ${c.title} | – | – | – | – | – | – | – | ${c.todo} |`); continue; }
      lines.push(`| ${c.title} | ${fmtMs(c.meta.ms)} | ${fmtMs(c.git.ms)} | ${c.node ? fmtMs(c.node.ms) : ''} | ${fmtRatio(c.ratio)}${c.against === 'node' ? ' of node' : ''}${c.rssRatio ? `, RSS ${fmtRatio(c.rssRatio)}` : ''} | ${c.target} | ${c.met === null ? '' : c.met ? 'yes' : '**no**'} | ${fmtMB(c.meta.rssKB)} / ${fmtMB(c.git.rssKB)}${c.node ? ` / ${fmtMB(c.node.rssKB)}` : ''} | ${c.gitCmd} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export async function main(argv) {
  const opts = parseArgs(argv);
  mkdirSync(opts.fixtures, { recursive: true });
  const log = (s) => process.stderr.write(`${s}\n`);
  const res = { date: new Date().toISOString(), machine: machine(), rounds: { cold: opts.rounds, warm: opts.warmRounds, warmup: opts.warmup }, sizes: [] };
  const write = () => {
    if (!opts.write) return;
    mkdirSync(opts.out, { recursive: true });
    const stamp = res.date.slice(0, 10);
    writeFileSync(join(opts.out, `${stamp}.json`), `${JSON.stringify(res, null, 2)}\n`);
    writeFileSync(join(opts.out, `${stamp}.md`), `${markdown(res)}\n`);
    log(`wrote ${join(opts.out, `${stamp}.json`)} and .md`);
  };
  for (const n of opts.sizes) {
    log(`fixture: ${n} records`);
    res.sizes.push(await runSize(opts, n, log));
    write(); // after every size, so a long --large run keeps what it measured
  }
  process.stdout.write(`${markdown(res)}\n`);
  return res;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}

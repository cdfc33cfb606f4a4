#!/usr/bin/env node
// `npm run bench:append`: records 10,000 releases into one repository and prints, per block of
// 1,000, the median append time of boot-meta (library in one process, and a sample of cold
// `meta release record` processes) next to native git plumbing (`hash-object -w`, `mktree` along
// the path, `commit-tree`, `update-ref`: bench/git/append.sh) on a repository of the same size, in
// the same run. Flat ratios mean the append cost does not grow with the repository.
//
//   node bench/append.mjs [--total 10000] [--block 1000] [--git-samples 15] [--cold-samples 5]
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeEncoder, git, ACTOR } from './lib/fixture.mjs';
import { runCold } from './lib/proc.mjs';
import { median, fmtMs, fmtRatio } from './lib/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);

export function parseArgs(argv) {
  const o = { total: 10000, block: 1000, gitSamples: 15, coldSamples: 5, dir: join(root, 'bench/fixtures/append') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => Number(argv[++i]);
    if (a === '--total') o.total = v();
    else if (a === '--block') o.block = v();
    else if (a === '--git-samples') o.gitSamples = v();
    else if (a === '--cold-samples') o.coldSamples = v();
    else if (a === '--dir') o.dir = argv[++i];
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const SOURCES = (v) => [
  { url: 'https://git.example/acme/app', commit: '1'.repeat(40), path: '', tag: `v${v}` },
  { url: 'https://git.example/org/shared-lib', commit: '2'.repeat(40), path: 'lib', tag: '' },
];

/** Appends releases `from..to-1` to the git-side repository in bulk (not timed). */
async function growGit(dir, ref, encode, project, from, to) {
  const fi = spawn('git', ['-C', dir, 'fast-import', '--quiet', '--date-format=raw'], { stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise((res, rej) => fi.on('exit', (c) => (c === 0 ? res() : rej(new Error(`fast-import ${c}`)))));
  const tip = git(dir, ['rev-parse', ref]).trim();
  const t = Math.floor(Date.now() / 1000);
  const parts = [];
  for (let i = from; i < to; i++) {
    const { path, data, message } = encode({ kind: 'release', project, version: `1.0.${i}` }, new Date());
    parts.push(Buffer.from(`commit ${ref}\ncommitter bench <bench@example.com> ${t} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n${i === from ? `from ${tip}\n` : ''}M 100644 inline ${path}\ndata ${data.length}\n`), Buffer.from(data), Buffer.from('\n'));
  }
  fi.stdin.end(Buffer.concat(parts));
  await done;
}

export async function main(argv) {
  const o = parseArgs(argv);
  const log = (s) => process.stderr.write(`${s}\n`);
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });
  const { initMeta } = await dist('api/initMeta.js');
  const { addProject } = await dist('api/addProject.js');
  const { recordRelease } = await dist('api/recordRelease.js');
  const metaDir = join(o.dir, 'meta');
  const repo = await initMeta({ dir: metaDir, actor: ACTOR, env: {} });
  const project = 'acme/app';
  await addProject(repo, { name: project, repoUrl: 'https://git.example/acme/app' });
  // The git side starts as an identical copy and is grown to the same size before each sample.
  const gitDir = join(o.dir, 'git');
  git(o.dir, ['clone', '-q', '--bare', metaDir, gitDir]);
  const ref = repo.store.branchRef;
  const encode = await makeEncoder();
  const tmp = join(o.dir, 'rec.pb');
  const rows = [];
  let gitCount = 0;
  for (let start = 0; start < o.total; start += o.block) {
    const lib = [];
    for (let i = start; i < Math.min(o.total, start + o.block); i++) {
      const t0 = process.hrtime.bigint();
      await recordRelease(repo, { project, version: `1.0.${i}`, sources: SOURCES(`1.0.${i}`) });
      lib.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const size = start + lib.length;
    const cold = [];
    for (let k = 0; k < o.coldSamples; k++) {
      cold.push(runCold(join(root, 'bin/meta'), ['release', 'record', project, '--version', `7.${size}.${k}`, '--source', `https://git.example/acme/app@${'1'.repeat(40)}`], { cwd: metaDir, env: { ...process.env, META_ACTOR: ACTOR } }).ms);
    }
    await growGit(gitDir, ref, encode, project, gitCount, size);
    gitCount = size;
    const plumbing = [];
    for (let k = 0; k < o.gitSamples; k++) {
      const { path, data, message } = encode({ kind: 'release', project, version: `6.${size}.${k}` }, new Date());
      writeFileSync(tmp, data);
      plumbing.push(runCold(join(root, 'bench/git/append.sh'), [gitDir, ref, path, tmp, message]).ms);
    }
    const row = { releases: size, libraryMs: median(lib), coldCliMs: median(cold), gitPlumbingMs: median(plumbing) };
    row.ratioLibrary = row.libraryMs / row.gitPlumbingMs;
    row.ratioCold = row.coldCliMs / row.gitPlumbingMs;
    rows.push(row);
    log(`${String(size).padStart(6)} releases: library ${fmtMs(row.libraryMs)}, cold CLI ${fmtMs(row.coldCliMs)}, git plumbing ${fmtMs(row.gitPlumbingMs)}`);
  }
  repo.close();
  const fsck = git(metaDir, ['fsck', '--strict']);
  const lines = [
    `| releases in repo | boot-meta library (median of ${o.block}) | \`meta release record\` cold (median of ${o.coldSamples}) | git plumbing script (median of ${o.gitSamples}) | library / git | cold CLI / git |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.releases.toLocaleString('en')} | ${fmtMs(r.libraryMs)} | ${fmtMs(r.coldCliMs)} | ${fmtMs(r.gitPlumbingMs)} | ${fmtRatio(r.ratioLibrary)} | ${fmtRatio(r.ratioCold)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  log(`git fsck --strict on the boot-meta repository: ok${fsck.trim() ? ` (${fsck.trim()})` : ''}`);
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}

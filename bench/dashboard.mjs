#!/usr/bin/env node
// `npm run bench:dashboard` (also the last step of `npm run bench`): each dashboard page loaded in
// Debian's chromium (playwright-core) from a real `meta serve` on a repository with 1,000
// releases, 10,000 channel records and 2,000 hosts, against a reference run side by side: the
// same page's rendered HTML (scripts removed, same stylesheet) from a static file server, so the
// reference pays the browser's parse, style and layout of the same DOM and nothing else.
// Time to interactive = from navigation start until the page's data is rendered (its handlers
// are attached in the same render). Rounds alternate the two sides after a warm-up; medians.
//
//   node bench/dashboard.mjs [--releases 1000] [--promotions 10000] [--hosts 2000] [--rounds 7]
//                            [--warmup 2] [--quick] [--out bench/results] [--no-write]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, release as osRelease } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { dashboardFixture } from './lib/dashboardFixture.mjs';
import { fmtMs, fmtRatio, median } from './lib/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv) {
  const o = { releases: 1000, promotions: 10000, hosts: 2000, rounds: 7, warmup: 2, out: join(root, 'bench/results'), write: true, fixtures: join(root, 'bench/fixtures') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--releases') o.releases = Number(v());
    else if (a === '--promotions') o.promotions = Number(v());
    else if (a === '--hosts') o.hosts = Number(v());
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--fixtures') o.fixtures = v();
    else if (a === '--no-write') o.write = false;
    else if (a === '--quick') Object.assign(o, { releases: 30, promotions: 100, hosts: 20, rounds: 1, warmup: 0 });
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** Starts `meta serve` on the fixture and resolves with its URL. */
function serve(repo) {
  const child = spawn(process.execPath, [join(root, 'bin/meta'), 'serve', '--repo', repo, '--listen', '127.0.0.1:0', '--no-webhooks', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`meta serve did not start: ${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ url: m[1], stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
      }
    });
    child.once('exit', (code) => reject(new Error(`meta serve exited with ${code}`)));
  });
}

/** A static server for the reference pages: each captured page at its own path, and the stylesheet. */
function staticServer(files) {
  const server = createServer((req, res) => {
    const f = files.get((req.url ?? '/').split('?')[0]);
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'cache-control': f.type.startsWith('text/css') ? 'public, max-age=31536000, immutable' : 'no-cache' });
    res.end(f.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) })));
}

/** Loads `url` in a new page, waits for `ready` (a predicate on the document), returns its timings. */
async function load(context, url, ready) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'commit' });
  // A function, not a string: the page's CSP forbids evaluating strings (a check of its own).
  await page.waitForFunction((conds) => {
    if (!conds.every((c) => document.querySelectorAll(c.sel).length >= c.min)) return false;
    window.__ready ??= performance.now();
    return true;
  }, ready, { polling: 'raf', timeout: 60_000 });
  const m = await page.evaluate(() => ({
    ms: window.__ready,
    nodes: document.getElementsByTagName('*').length,
    api: Math.max(0, ...performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/')).map((e) => e.responseEnd - e.startTime)),
    apiBytes: performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/')).reduce((s, e) => s + (e.encodedBodySize || 0), 0),
  }));
  const html = await page.content();
  await page.close();
  if (errors.length) throw new Error(`${url}: console errors: ${errors.join('; ')}`);
  return { ...m, html };
}

/** Runs the bench; returns one row per page (the smoke test runs it with --quick). */
export async function main(argv = process.argv.slice(2)) {
  const o = parseArgs(argv);
  console.log(`dashboard bench: ${o.releases} releases, ${o.promotions} channel records, ${o.hosts} hosts`);
  const t0 = Date.now();
  const repo = await dashboardFixture(o.fixtures, { releases: o.releases, promotions: o.promotions, hosts: o.hosts, log: (l) => console.log(l) });
  console.log(`  fixture ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${repo}`);
  const { log } = await import(new URL('../dist/api/log.js', import.meta.url).href);
  const { openMeta } = await import(new URL('../dist/api/openMeta.js', import.meta.url).href);
  const r = openMeta({ dir: repo });
  const history = log(r, { project: 'acme/app', limit: 5000 });
  const early = history[Math.floor(history.length / 2)].commit;
  r.close();
  const mid = `1.${Math.floor(o.releases / 200)}.${Math.floor(o.releases / 2) % 100}`;
  const pages = [
    { name: 'projects', path: '/ui/', ready: [{ sel: 'main table.grid tbody tr', min: 1 }] },
    { name: 'project', path: '/ui/p/acme%2Fapp', ready: [{ sel: '.timeline ol.events li', min: 5 }, { sel: 'section[aria-labelledby=releases-h] table tbody tr', min: 1 }] },
    { name: 'release', path: `/ui/p/acme%2Fapp/r/${mid}`, ready: [{ sel: 'section[aria-labelledby=binaries-h] table tbody tr', min: 1 }] },
    { name: 'diff', path: `/ui/p/acme%2Fapp/diff?from=${early}`, ready: [{ sel: '.diffchannel', min: 1 }] },
    { name: 'fleet', path: '/ui/p/acme%2Fapp/fleet', ready: [{ sel: 'section[aria-labelledby=fleet-hosts-h] table tbody tr', min: 1 }] },
    { name: 'project ?at=', path: `/ui/p/acme%2Fapp?at=${early}`, ready: [{ sel: '.timeline ol.events li', min: 5 }] },
  ];
  const server = await serve(repo);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const results = [];
  let ref;
  try {
    // The reference pages: what each dashboard page rendered, without its script.
    const first = new Map();
    for (const p of pages) first.set(p.name, await load(context, server.url + p.path, p.ready));
    const cssPath = /href="(\/ui\/assets\/[^"]+\.css)"/.exec(first.get('projects').html)[1];
    const css = readFileSync(join(root, 'dist/dashboard/assets', cssPath.split('/').pop()));
    const files = new Map([[cssPath, { type: 'text/css; charset=utf-8', body: css }]]);
    for (const p of pages) files.set(`/ref/${encodeURIComponent(p.name)}`, { type: 'text/html; charset=utf-8', body: first.get(p.name).html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '') });
    ref = await staticServer(files);
    for (const p of pages) {
      const dash = { ms: [], api: [], nodes: 0, apiBytes: 0 };
      const stat = { ms: [] };
      for (let i = 0; i < o.warmup + o.rounds; i++) {
        const sides = i % 2 ? ['ref', 'dash'] : ['dash', 'ref'];
        for (const side of sides) {
          if (side === 'dash') {
            const m = await load(context, server.url + p.path, p.ready);
            if (i >= o.warmup) {
              dash.ms.push(m.ms);
              dash.api.push(m.api);
              dash.nodes = m.nodes;
              dash.apiBytes = m.apiBytes;
            }
          } else {
            const m = await load(context, `${ref.url}/ref/${encodeURIComponent(p.name)}`, p.ready);
            if (i >= o.warmup) stat.ms.push(m.ms);
          }
        }
      }
      const row = { page: p.name, path: p.path, dashboardMs: median(dash.ms), slowestApiMs: median(dash.api), apiKB: Math.round(dash.apiBytes / 1024), staticMs: median(stat.ms), domNodes: dash.nodes, rounds: dash.ms.length };
      row.ratio = row.dashboardMs / row.staticMs;
      results.push(row);
      console.log(`  ${p.name.padEnd(13)} ${fmtMs(row.dashboardMs).padStart(8)} (slowest API ${fmtMs(row.slowestApiMs)}, ${row.apiKB} KB JSON, ${row.domNodes} nodes) vs static ${fmtMs(row.staticMs).padStart(8)}: ${fmtRatio(row.ratio)}`);
    }
  } finally {
    await browser.close();
    await server.stop();
    await ref?.close();
  }
  const md = [
    `# Dashboard time to interactive (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Fixture: ${o.releases} releases (2 binaries each), ${o.promotions} channel records over 5 channels, ${o.hosts} hosts. ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Linux ${osRelease()}, Node ${process.versions.node}, Debian chromium. Medians of ${o.rounds} rounds after ${o.warmup} warm-up, sides alternating.`,
    '',
    '| page | dashboard (navigation → data rendered) | slowest JSON request | JSON | DOM nodes | static page of the same DOM | ratio | target |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.page} | ${fmtMs(r.dashboardMs)} | ${fmtMs(r.slowestApiMs)} | ${r.apiKB} KB | ${r.domNodes} | ${fmtMs(r.staticMs)} | ${fmtRatio(r.ratio)} | < 1 s ${r.dashboardMs < 1000 ? '✔' : '✘'} |`),
  ].join('\n');
  console.log(`\n${md}`);
  if (o.write) {
    mkdirSync(o.out, { recursive: true });
    const stamp = `${new Date().toISOString().slice(0, 10)}-dashboard`;
    writeFileSync(join(o.out, `${stamp}.json`), `${JSON.stringify({ options: { ...o, out: undefined, fixtures: undefined }, results }, null, 2)}\n`);
    writeFileSync(join(o.out, `${stamp}.md`), `${md}\n`);
    console.log(`\nwritten: bench/results/${stamp}.md`);
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

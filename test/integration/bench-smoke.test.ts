import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The benchmarks are not tests (CI does not time anything); this runs the harness end to end on a
// tiny fixture so it cannot rot. Needs `npm run build` (npm test does it).
const load = (p: string) => import(pathToFileURL(join(__dirname, '../../bench', p)).href);

describe('bench harness (smoke)', () => {
  it('builds a fixture, runs every case on both sides and renders the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meta-bench-'));
    try {
      const run = await load('run.mjs');
      const res = await run.main(['--quick', '--no-write', '--fixtures', dir]);
      expect(res.sizes).toHaveLength(1);
      const cases = res.sizes[0].cases as { id: string; todo?: string; meta: { ms: number }; git: { ms: number }; ratio: number }[];
      const measured = cases.filter((c) => !c.todo);
      expect(measured.map((c) => c.id)).toEqual(expect.arrayContaining(['warm-append', 'warm-read', 'warm-resolve', 'cold-record', 'cold-resolve', 'history', 'at-date', 'source', 'cold-added-by']));
      for (const c of measured) {
        expect(c.meta.ms, c.id).toBeGreaterThan(0);
        expect(c.git.ms, c.id).toBeGreaterThan(0);
        expect(Number.isFinite(c.ratio), c.id).toBe(true);
      }
      const md = run.markdown(res) as string;
      expect(md).toContain('| case | boot-meta | git |');
      expect(md).toContain('`meta resolve binary`, cold process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('bench:append records releases in blocks next to the git plumbing script, and the result passes fsck', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meta-bench-append-'));
    try {
      const append = await load('append.mjs');
      const rows = await append.main(['--total', '40', '--block', '20', '--git-samples', '2', '--cold-samples', '1', '--dir', dir]);
      expect(rows.map((r: { releases: number }) => r.releases)).toEqual([20, 40]);
      for (const r of rows) expect(r.libraryMs > 0 && r.gitPlumbingMs > 0 && r.coldCliMs > 0).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('bench:dashboard loads every page in chromium on both sides (dashboard and its static reference)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meta-bench-dash-'));
    try {
      const dash = await load('dashboard.mjs');
      const rows = (await dash.main(['--quick', '--no-write', '--fixtures', dir])) as { page: string; dashboardMs: number; staticMs: number }[];
      expect(rows.map((r) => r.page)).toEqual(['projects', 'project', 'release', 'diff', 'fleet', 'project ?at=']);
      for (const r of rows) expect(r.dashboardMs > 0 && r.staticMs > 0, r.page).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

// The dashboard in a real browser (Debian's chromium through playwright-core) against a real
// `meta serve` on a fixture repository: every page loads without a console error and shows the
// fixture; a promotion made with the CLI appears on the open page without a reload; `?at=` shows
// the past; without a token there is no action, with one a hold lands as a record. One browser
// for the whole file; screenshots go to test-results/dashboard/ (not committed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { tempDir } from '../helpers/diskRepo.js';
import { dashboardFixture, type DashboardFixture } from '../helpers/dashboardFixture.js';
import { runMeta, startServe, type ServeProcess } from '../helpers/metaProcess.js';

const SHOTS = 'test-results/dashboard';
const WAIT = { timeout: 10_000 };

let tmp: ReturnType<typeof tempDir>;
let fx: DashboardFixture;
let serve: ServeProcess;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  tmp = tempDir('meta-dash-');
  fx = await dashboardFixture(tmp.dir);
  serve = await startServe(fx.dir, ['--no-webhooks']);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  tmp?.cleanup();
});

/** Opens a page and collects its console errors and uncaught exceptions. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${serve.url}${path}`);
  return { page, errors };
}

/** Playwright's auto-waiting checks, bounded: vitest's expect.poll retries until the timeout. */
const pw = (l: Locator | Page) => ({
  toBeVisible: (o = WAIT) => (l as Locator).waitFor({ state: 'visible', ...o }),
  toContainText: (t: string, o = WAIT) => expect.poll(() => (l as Locator).innerText(), o).toContain(t),
  toHaveCount: (n: number, o = WAIT) => expect.poll(() => (l as Locator).count(), o).toBe(n),
  toHaveURL: (re: RegExp, o = WAIT) => expect.poll(() => (l as Page).url(), o).toMatch(re),
});

async function done(p: { page: Page; errors: string[] }, shot: string, expected: RegExp[] = []): Promise<void> {
  await p.page.screenshot({ path: `${SHOTS}/${shot}.png`, fullPage: true });
  expect(p.errors.filter((e) => !expected.some((x) => x.test(e)))).toEqual([]);
  await p.page.close();
}

describe('dashboard', () => {
  it('a browser asking for / is sent to the dashboard; the projects page shows every project, live versions and fleet health', async () => {
    const p = await open('/');
    await pw(p.page).toHaveURL(/\/ui\/$/);
    const main = p.page.getByRole('main');
    await pw(main.getByRole('link', { name: 'acme/app', exact: true })).toBeVisible();
    await pw(main.getByRole('link', { name: 'acme/lib', exact: true })).toBeVisible();
    await pw(main).toContainText('stable: 1.0.0');
    await pw(main).toContainText('2 of 4 on target');
    await pw(main).toContainText('1 lagging');
    await pw(main).toContainText('1 failed');
    // Keyboard first: the first Tab reaches the skip link, which moves focus to the content.
    await p.page.keyboard.press('Tab');
    expect(await p.page.locator(':focus').textContent()).toBe('Skip to content');
    await p.page.keyboard.press('Enter');
    await expect.poll(() => p.page.locator(':focus').getAttribute('id'), WAIT).toBe('main');
    await done(p, 'projects');
  });

  it('the project page shows channels, their timelines and releases; hostile notes stay text; no actions without a token', async () => {
    const p = await open('/ui/p/acme%2Fapp');
    const main = p.page.getByRole('main');
    await pw(main.getByRole('heading', { name: 'acme/app', level: 1 })).toBeVisible();
    await pw(main.getByRole('heading', { name: 'beta', level: 3, exact: true }).first()).toBeVisible();
    await pw(main).toContainText('investigating 1.2.0');
    await pw(main).toContainText('first stable');
    await pw(main.getByRole('link', { name: '1.1.0' }).first()).toBeVisible();
    await pw(main).toContainText('yanked');
    await pw(p.page.getByRole('button', { name: /^(Hold|Unhold)/ })).toHaveCount(0);
    // The pipeline graph: the stable stage waits on its gates for beta's release, each gate's state in words.
    const stage = main.getByRole('list', { name: 'Gates of stable' });
    await pw(stage).toContainText('passed soak');
    await pw(stage).toContainText('failed verification');
    await pw(stage).toContainText('passed approvals');
    // Flags and config per channel; a secret by its name only.
    await pw(main).toContainText('new-checkout');
    await pw(main.getByRole('row', { name: /DB_PASSWORD/ })).toContainText('secret db (field password)');
    await done(p, 'project');
  });

  it('the release page links forge commits, shows locations, importers and notes as text', async () => {
    const p = await open('/ui/p/acme%2Fapp/r/1.1.0');
    const main = p.page.getByRole('main');
    await pw(main.getByRole('heading', { name: 'Release 1.1.0' })).toBeVisible();
    await pw(main.locator('a[href="https://github.com/acme/app/commit/2222222222222222222222222222222222222222"]')).toHaveCount(1);
    await pw(main.locator('a[href="https://gitlab.com/acme/lib/-/commit/cccccccccccccccccccccccccccccccccccccccc"]')).toHaveCount(1);
    await pw(main.getByRole('link', { name: 'https://downloads.example.com/app/1.1.0/app' })).toBeVisible();
    await pw(main.getByText('s3://bucket-eu/app/1.1.0')).toBeVisible();
    await pw(main).toContainText(fx.hostileNote);
    expect(await p.page.title()).not.toBe('pwned');
    await pw(main.locator('img, script')).toHaveCount(0);
    await pw(main).toContainText('https://eu-west.mirror.example.com/app/1.1.0/app');
    await pw(main).toContainText('verified eu-west');
    await pw(main.getByRole('table', { name: 'Approvals' })).toContainText('ok once smoke passes');
    await pw(main.getByRole('table', { name: 'Verifications (newest first)' })).toContainText('2 of 40 checks failed');
    await pw(main.getByRole('table', { name: 'Gate results (newest first)' })).toContainText('failures=2');
    await done(p, 'release');
    const lib = await open('/ui/p/acme%2Flib/r/2.0.0');
    await pw(lib.page.getByRole('main').getByRole('link', { name: 'acme/app 1.0.0' })).toBeVisible();
    await done(lib, 'release-importers');
  });

  it('the diff page shows two moments side by side with commit ranges', async () => {
    const p = await open(`/ui/p/acme%2Fapp/diff?from=${fx.early}`);
    const main = p.page.getByRole('main');
    await pw(main.getByRole('heading', { name: /beta: 1\.0\.0 → 1\.1\.0/ })).toBeVisible();
    await pw(main.getByRole('heading', { name: /stable: — → 1\.0\.0/ })).toBeVisible();
    await pw(main.locator(`a[href="https://github.com/acme/app/compare/${'1'.repeat(40)}...${'2'.repeat(40)}"]`)).toHaveCount(1);
    await pw(main.getByRole('table', { name: 'Config changes' }).getByRole('row', { name: /DB_PASSWORD/ })).toContainText('secret db field password');
    await pw(main.getByRole('table', { name: 'Flag changes' })).toContainText('new-checkout');
    await done(p, 'diff');
  });

  it('the fleet page shows hosts per environment, channel and region, failed with the message', async () => {
    const p = await open('/ui/p/acme%2Fapp/fleet');
    const main = p.page.getByRole('main');
    await pw(main).toContainText('hook exit 3');
    await pw(main.getByRole('rowheader', { name: 'eu-west' })).toBeVisible();
    await pw(main.getByRole('rowheader', { name: 'us-east' })).toBeVisible();
    await pw(main.getByRole('rowheader', { name: 'prod / stable' })).toBeVisible();
    await pw(main).toContainText('2 of 3');
    await done(p, 'fleet');
  });

  it('with a token typed into the page, hold, approve and unhold land as records, and a pipeline promotion is refused naming the failed gate', async () => {
    const p = await open('/ui/p/acme%2Fapp');
    await p.page.getByLabel('Token (scope records) to enable actions').fill(fx.token);
    await p.page.getByRole('button', { name: 'Use token' }).click();
    await p.page.getByLabel('Reason to hold stable').fill('dashboard hold');
    await p.page.getByRole('button', { name: 'Hold stable' }).click();
    await pw(p.page.getByRole('button', { name: 'Unhold stable' })).toBeVisible();
    expect(p.page.url()).not.toContain(fx.token);
    const shown = await runMeta(['channel', 'show', 'acme/app', 'stable', '--repo', fx.dir, '--json']);
    const v = JSON.parse(shown.stdout) as { held: boolean; hold: { by: string; reason: string } };
    expect(v.held).toBe(true);
    expect(v.hold).toMatchObject({ by: 'token:dash', reason: 'dashboard hold' });
    // Approving the candidate waiting on the stable stage writes an approval by the token.
    await p.page.getByRole('button', { name: 'Approve 1.1.0 for stable' }).click();
    await pw(p.page.getByRole('main')).toContainText('1.1.0 approved for stable');
    const rel = (await (await fetch(`${serve.url}/v1/projects/acme%2Fapp/releases/1.1.0`)).json()) as { evidence: { approvals: { actor: string; channel: string }[] } };
    expect(rel.evidence.approvals).toContainEqual(expect.objectContaining({ actor: 'token:dash', channel: 'stable' }));
    // The smoke verification failed: promoting through the pipeline is refused, and the page says why.
    await p.page.getByRole('button', { name: 'Promote 1.1.0 to stable' }).click();
    await pw(p.page.getByRole('main')).toContainText('Failed:');
    await pw(p.page.getByRole('form', { name: 'Act on 1.1.0 for stable' })).toContainText('verification');
    await p.page.getByRole('button', { name: 'Unhold stable' }).click();
    await pw(p.page.getByRole('button', { name: 'Hold stable' })).toBeVisible();
    // The browser logs the refused write's status itself; nothing else may show.
    await done(p, 'project-token', [/status of 412 \(Precondition Failed\)/]);
  });
  it('?at= shows the earlier state, and a promotion made with the CLI appears on an open page without a reload', async () => {
    const past = await open(`/ui/p/acme%2Fapp?at=${fx.early}`);
    const pmain = past.page.getByRole('main');
    await pw(pmain.getByRole('heading', { name: 'beta', level: 3, exact: true }).first()).toBeVisible();
    await pw(pmain.getByRole('heading', { name: 'stable', level: 3, exact: true })).toHaveCount(0);
    await pw(past.page.getByText('⏸ viewing the past')).toBeVisible();
    await done(past, 'project-at');

    const p = await open('/ui/p/acme%2Fapp');
    const card = p.page.getByRole('listitem').filter({ has: p.page.getByRole('heading', { name: 'stable', level: 3, exact: true }) });
    await pw(card).toContainText('1.0.0');
    const r = await runMeta(['channel', 'promote', 'acme/app', 'stable', '1.1.0', '--repo', fx.dir, '--reason', 'live test']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await pw(card).toContainText('1.1.0');
    await pw(p.page.getByRole('main')).toContainText('live test');
    await done(p, 'project-live');
  });

});

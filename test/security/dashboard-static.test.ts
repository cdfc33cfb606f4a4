// The dashboard's static route and its browser-facing answers, attacked: traversal in every
// encoding reaches nothing outside the built folder, unknown names are 404, the pages carry a
// strict Content-Security-Policy, and a token sent by the dashboard never shows up in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tempDir } from '../helpers/diskRepo.js';
import { dashboardFixture, type DashboardFixture } from '../helpers/dashboardFixture.js';
import { startServe, type ServeProcess } from '../helpers/metaProcess.js';
import { rawRequest } from '../helpers/rawRequest.js';

let tmp: ReturnType<typeof tempDir>;
let fx: DashboardFixture;
let serve: ServeProcess;

beforeAll(async () => {
  tmp = tempDir('meta-dash-sec-');
  fx = await dashboardFixture(tmp.dir);
  serve = await startServe(fx.dir, ['--no-webhooks']);
});

afterAll(async () => {
  await serve?.stop();
  tmp?.cleanup();
});

describe('dashboard static route', () => {
  it('serves the page with a strict CSP and its hashed assets with long-lived caching', async () => {
    const page = await rawRequest(serve.url, 'GET', '/ui/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    // Nothing the page loads comes from elsewhere.
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = /src="(\/ui\/assets\/main-[A-Z0-9]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const js = await rawRequest(serve.url, 'GET', script!);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.(com|net|org|io)\/[^"'\s]*\.(js|css|woff2?)/);
    // Every dashboard path is the page (its script routes), read from memory, never a file of that name.
    const deep = await rawRequest(serve.url, 'GET', '/ui/p/acme%2Fapp/r/1.0.0?at=2026-03-01');
    expect(deep.status).toBe(200);
    expect(deep.text).toBe(page.text);
  });

  it('refuses traversal in every encoding and serves only files of the built folder', async () => {
    const pkg = readFileSync('package.json', 'utf8');
    const paths = [
      '/ui/../package.json', '/ui/assets/../../package.json', '/ui/assets/..%2f..%2fpackage.json', '/ui/assets/%2e%2e/%2e%2e/package.json',
      '/ui/assets/..%5c..%5cpackage.json', '/ui/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/ui/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/ui/assets/%00', '/ui/assets/index.html%00.js', '/ui/assets/', '/ui/assets/.', '/ui/assets/..', '/ui/assets/%252e%252e%252fpackage.json',
      '/ui/assets/main.js/../../../package.json', '/ui/assets/%C0%AE%C0%AE/package.json', '/ui/assets/....//....//package.json',
      '/ui/assets/../index.html', '/ui/assets/..\\..\\package.json', '/ui/assets//etc/passwd', '/ui//etc/passwd', '/ui/%zz',
    ];
    for (const path of paths) {
      const r = await rawRequest(serve.url, 'GET', path);
      expect([400, 404], path).toContain(r.status);
      expect(r.headers['content-type'], path).toMatch(/^application\/json/);
      expect(r.text, path).not.toContain('"devDependencies"');
      expect(r.text, path).not.toContain('root:');
      expect(r.text, path).not.toContain(tmp.dir);
      expect(r.text.length, path).toBeLessThan(pkg.length);
    }
    expect((await rawRequest(serve.url, 'POST', '/ui/', { body: '{}' })).status).toBe(405);
    expect((await rawRequest(serve.url, 'DELETE', '/ui/assets/x.js')).status).toBe(405);
  });

  it('GET / sends a browser to /ui/ and keeps the JSON index for API clients', async () => {
    const browser = await rawRequest(serve.url, 'GET', '/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/ui/');
    for (const accept of [undefined, 'application/json', '*/*']) {
      const api = await rawRequest(serve.url, 'GET', '/', { headers: accept ? { accept } : {} });
      expect(api.status).toBe(200);
      expect(JSON.parse(api.text)).toMatchObject({ service: 'boot-meta', dashboard: '/ui/' });
    }
  });

  it('the token a page sends is never written to the server log, even when the write fails', async () => {
    const headers = { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json' };
    const bad = await rawRequest(serve.url, 'POST', '/v1/records', { headers, body: JSON.stringify({ kind: 'hold', project: 'acme/app', channel: 'nope', reason: fx.token }) });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    const good = await rawRequest(serve.url, 'POST', '/v1/records', { headers, body: JSON.stringify({ kind: 'unhold', project: 'acme/app', channel: 'beta' }) });
    expect(good.status).toBe(201);
    expect(serve.out() + serve.err()).not.toContain(fx.token);
  });

  it('config reaches the dashboard with a secret as its name and field only', async () => {
    const r = await rawRequest(serve.url, 'GET', '/v1/projects/acme%2Fapp/channels');
    const v = JSON.parse(r.text) as { settings: { config: { entries: { key: string; value: unknown }[] }[] } };
    const entry = v.settings.config.flatMap((l) => l.entries).find((e) => e.key === 'DB_PASSWORD');
    expect(entry?.value).toStrictEqual({ type: 'secret', name: 'db', field: 'password' });
  });

  it('the read routes refuse hostile paging and moments with 400, never 5xx', async () => {
    for (const path of [
      '/v1/projects?limit=0', '/v1/projects?limit=501', '/v1/projects?limit=-1', '/v1/projects?limit=1e3', '/v1/projects?cursor=%00',
      '/v1/projects/acme%2Fapp/releases?cursor=..%2F..', '/v1/projects/acme%2Fapp/channels/stable/history?cursor=99999999999999999999',
      '/v1/log?cursor=..', '/v1/log?limit=abc', '/v1/diff?project=acme/app&from=..%2F..', '/v1/diff?project=acme/app', '/v1/projects/acme%2Fapp/releases/..',
      '/v1/projects/acme%2Fapp/releases/%2e%2e%2f', '/v1/projects?at=..%2F..%2Fetc', '/v1/projects/acme%2Fapp/channels/..%2F/history',
    ]) {
      const r = await rawRequest(serve.url, 'GET', path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.text, path).not.toContain(tmp.dir);
    }
  });
});

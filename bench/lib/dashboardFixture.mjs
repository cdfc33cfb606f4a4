// The dashboard benchmark's repository, written with the library's own writers (recordRelease,
// recordBinary, promote, holdChannel, rollback, reportInstance): one commit per record, as real
// use writes it. Cached under bench/fixtures/ by its sizes.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

const dist = new URL('../../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);

export const CHANNELS = ['dev', 'qa', 'beta', 'canary', 'stable'];
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'ap-south'];
const hex = (s) => createHash('sha1').update(s).digest('hex');

/**
 * Builds (or reuses) a repository with `releases` releases of acme/app (each with two binaries),
 * `promotions` channel records spread over five channels (promotions, a rollback and a
 * hold/unhold pair every 500), and `hosts` hosts reporting across two environments and four regions.
 */
export async function dashboardFixture(root, { releases = 1000, promotions = 10000, hosts = 2000, log = () => {} } = {}) {
  const dir = join(root, `dashboard-${releases}r-${promotions}p-${hosts}h`);
  if (existsSync(join(dir, 'ready'))) return join(dir, 'meta');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { initMeta } = await load('api/initMeta.js');
  const api = await load('index.js');
  let t = Date.UTC(2026, 0, 1);
  const clock = () => new Date((t += 1000));
  const building = join(dir, 'building');
  const repo = await initMeta({ dir: building, actor: 'bench <bench@example.com>', env: {}, environments: ['prod', 'staging'], channels: CHANNELS, clock });
  await api.addProject(repo, { name: 'acme/lib', repoUrl: 'https://gitlab.com/acme/lib' });
  await api.addProject(repo, { name: 'acme/app', repoUrl: 'https://github.com/acme/app', description: 'the benchmark app' });
  await api.recordRelease(repo, { project: 'acme/lib', version: '1.0.0', sources: [{ url: 'https://gitlab.com/acme/lib', commit: hex('lib') }] });
  const started = Date.now();
  for (let i = 0; i < releases; i++) {
    const v = `1.${Math.floor(i / 100)}.${i % 100}`;
    await api.recordRelease(repo, {
      project: 'acme/app', version: v, notes: `release ${v}`,
      sources: [{ url: 'https://github.com/acme/app', commit: hex(`app${i}`) }, { url: 'https://gitlab.com/acme/lib', commit: hex('lib'), path: 'vendor/lib' }],
      imports: [{ module: 'acme/lib', version: '1.0.0' }],
    });
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      await api.recordBinary(repo, { project: 'acme/app', version: v, platform, digest: `sha256:${createHash('sha256').update(`${v}${platform}`).digest('hex')}`, size: 20_000_000 + i, urls: [`https://dl.example.com/app/${v}/${platform.replace('/', '-')}`, `s3://bench-eu/app/${v}`] });
    }
    if (i % 100 === 99) log(`  ${i + 1} releases (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const version = (i) => `1.${Math.floor(i / 100)}.${i % 100}`;
  const live = new Map();
  for (let k = 0; k < promotions; k++) {
    const channel = CHANNELS[k % CHANNELS.length];
    const step = Math.floor(k / CHANNELS.length);
    if (step % 500 === 250) {
      await api.holdChannel(repo, { project: 'acme/app', channel, reason: `freeze ${step}` });
      await api.unholdChannel(repo, { project: 'acme/app', channel, reason: 'thaw' });
      k++;
      continue;
    }
    if (step % 500 === 400 && live.has(channel)) {
      await api.rollback(repo, { project: 'acme/app', channel, reason: 'bench rollback' });
      continue;
    }
    // Later channels trail earlier ones, as a pipeline does.
    let r = Math.min(releases - 1, Math.floor((step * releases) / (promotions / CHANNELS.length)) - (k % CHANNELS.length));
    if (r < 0) r = 0;
    if (live.get(channel) === r) r = (r + 1) % releases;
    await api.promote(repo, { project: 'acme/app', channel, version: version(r), reason: `step ${step}` });
    live.set(channel, r);
    if (k % 1000 === 999) log(`  ${k + 1} promotions (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const views = await load('api/listChannels.js');
  const current = new Map(views.listChannels(repo, { project: 'acme/app' }).map((c) => [c.channel, c.current?.version]));
  for (let h = 0; h < hosts; h++) {
    const channel = h % 10 === 0 ? 'canary' : h % 3 === 0 ? 'beta' : 'stable';
    const env = channel === 'stable' || channel === 'canary' ? 'prod' : 'staging';
    const target = current.get(channel) ?? version(0);
    const failed = h % 97 === 0;
    const lagging = h % 23 === 0;
    await api.reportInstance(repo, {
      project: 'acme/app', host: `host-${String(h).padStart(4, '0')}`, env, channel, version: lagging ? version(0) : target,
      status: failed ? 'failed' : 'running', message: failed ? 'health check exit 3' : undefined, platform: 'linux/amd64',
      labels: [{ key: 'region', value: REGIONS[h % REGIONS.length] }],
    });
  }
  log(`  ${hosts} hosts (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  repo.close();
  renameSync(building, join(dir, 'meta'));
  writeFileSync(join(dir, 'ready'), '');
  return join(dir, 'meta');
}

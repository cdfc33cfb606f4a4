import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promote } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { WebhookDispatcher } from '../../src/webhooks/WebhookDispatcher.js';
import { blockedReason, checkTarget, type HostLookup } from '../../src/webhooks/targetGuard.js';
import { defaultStateDir, listDeliveries, webhookState } from '../../src/webhooks/deliveryLog.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary, setSettings } from '../helpers/serveFixtures.js';
import { startServe, until } from '../helpers/metaProcess.js';

/** A receiver on 127.0.0.1 that records every request; `/redirect` answers 302 to `/landing`. */
class Receiver {
  requests: { path: string; host: string }[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', host: String(req.headers.host) });
        if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${this.port}/landing` }).end();
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server!;
    await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
  }
}

describe('the address classifier', () => {
  it('refuses loopback, private, link-local, unique-local, unspecified, multicast and their IPv6 spellings', () => {
    const refused = [
      '127.0.0.1', '127.1.2.3', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.1',
      '100.64.0.1', '0.0.0.0', '0.1.2.3', '255.255.255.255', '224.0.0.1', '239.255.255.250', '240.0.0.1', '192.0.0.8', '198.18.0.1',
      '::1', '::', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:0:127.0.0.1', '::127.0.0.1',
      'fe80::1', 'fe80::1%eth0', 'febf::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', 'fec0::1', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', '2002:a00:1::',
    ];
    for (const ip of refused) expect(blockedReason(ip), ip).toBeDefined();
    expect(blockedReason('::ffff:127.0.0.1')).toMatch(/loopback/);
    expect(blockedReason('169.254.169.254')).toMatch(/link-local/);
    const allowed = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '64:ff9b::808:808', '2002:808:808::1'];
    for (const ip of allowed) expect(blockedReason(ip), ip).toBeUndefined();
    expect(blockedReason('not-an-ip')).toBeDefined();
  });

  it('judges URLs as a browser parses them (decimal, hex and short IPv4 hosts) and never connects to refuse', async () => {
    const urls = [
      'http://127.0.0.1:9/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/', 'http://[::1]:9/', 'http://[::ffff:127.0.0.1]:9/', 'http://[::ffff:a9fe:a9fe]/', 'http://0.0.0.0:9/',
      'http://0/', 'https://[fd00::1]/', 'http://[fe80::1]/',
    ];
    for (const u of urls) await expect(checkTarget(u, { allowPrivate: false }), u).rejects.toThrow(/refused: .*non-public.*--allow-private-webhooks/);
    const t = await checkTarget('http://2130706433:9/x', { allowPrivate: true });
    expect(t.address).toBe('127.0.0.1');
  });

  it('refuses a host name when ANY of its addresses is private (a rebinding name answering public and private)', async () => {
    const lookup: HostLookup = async (h) => (h === 'mixed.example' ? [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }]
      : h === 'v6.example' ? [{ address: '::ffff:10.1.2.3', family: 6 }] : [{ address: '93.184.216.34', family: 4 }]);
    await expect(checkTarget('https://mixed.example/hook', { allowPrivate: false, lookup })).rejects.toThrow(/169\.254\.169\.254/);
    await expect(checkTarget('https://v6.example/hook', { allowPrivate: false, lookup })).rejects.toThrow(/IPv4-mapped 10\.1\.2\.3/);
    const ok = await checkTarget('https://public.example/hook', { allowPrivate: false, lookup });
    expect(ok).toMatchObject({ hostname: 'public.example', address: '93.184.216.34' });
  });
});

describe('webhook deliveries to non-public addresses', () => {
  let tmp: ReturnType<typeof tempDir>;
  let rx: Receiver;
  beforeAll(async () => {
    tmp = tempDir('meta-sec-ssrf-');
    rx = new Receiver();
    await rx.start();
  });
  afterAll(async () => {
    await rx?.stop();
    tmp?.cleanup();
  });

  const hooks = (names: Record<string, string>) => Object.entries(names).map(([name, url]) => ({ name, url, timeout_seconds: 5 }));

  it('meta serve refuses loopback targets in every spelling: the receiver gets nothing and each refusal is logged', async () => {
    const repo = await diskRepo(`${tmp.dir}/a`);
    const p = rx.port;
    const targets = {
      loopback: `http://127.0.0.1:${p}/loopback`,
      decimal: `http://2130706433:${p}/decimal`,
      mapped: `http://[::ffff:127.0.0.1]:${p}/mapped`,
      zero: `http://0.0.0.0:${p}/zero`,
      v6loopback: `http://[::1]:${p}/v6loopback`,
      localhost: `http://localhost:${p}/localhost`,
    };
    await setSettings(repo, { webhooks: hooks(targets) });
    const gitdir = repo.store.dir;
    repo.close();
    const serve = await startServe(`${tmp.dir}/a/meta`, ['--webhook-backoff-ms', '50']);
    try {
      const writer = await openAgain(`${tmp.dir}/a/meta`);
      await releaseWithBinary(writer, '1.0.0', 'one', 'https://dl.example/app');
      writer.close();
      const failed = () => new Set(listDeliveries({ stateDir: defaultStateDir(gitdir), failed: true, limit: 1000 }).map((d) => d.hook));
      await until(() => Object.keys(targets).every((h) => failed().has(h)), 'a refused delivery per hook');
      for (const d of listDeliveries({ stateDir: defaultStateDir(gitdir), limit: 1000 })) {
        expect(d.ok, d.hook).toBe(false);
        expect(d.status).toBe(0);
        expect(d.error, d.hook).toMatch(/^refused: .*non-public address.*--allow-private-webhooks/);
      }
      // Warned at startup for the targets known to be private without DNS.
      await until(() => /webhook loopback: .*--allow-private-webhooks/.test(serve.err()), 'the startup warning');
      expect(serve.err()).toMatch(/webhook decimal: 127\.0\.0\.1 is a non-public address/);
    } finally {
      await serve.stop();
    }
    expect(rx.requests).toEqual([]);
  });

  it('with --allow-private-webhooks the same receiver is reached; redirects are still not followed', async () => {
    const repo = await diskRepo(`${tmp.dir}/b`);
    const p = rx.port;
    await setSettings(repo, { webhooks: hooks({ loopback: `http://127.0.0.1:${p}/loopback`, decimal: `http://2130706433:${p}/decimal`, redir: `http://127.0.0.1:${p}/redirect` }) });
    const gitdir = repo.store.dir;
    repo.close();
    const serve = await startServe(`${tmp.dir}/b/meta`, ['--allow-private-webhooks', '--webhook-backoff-ms', '50']);
    try {
      const writer = await openAgain(`${tmp.dir}/b/meta`);
      await releaseWithBinary(writer, '1.0.0', 'one', 'https://dl.example/app');
      writer.close();
      await until(() => rx.requests.some((r) => r.path === '/loopback') && rx.requests.some((r) => r.path === '/decimal'), 'both deliveries');
      await until(() => listDeliveries({ stateDir: defaultStateDir(gitdir), hook: 'redir', failed: true }).length >= 2, 'failed redirect deliveries');
      expect(listDeliveries({ stateDir: defaultStateDir(gitdir), hook: 'redir' })[0]).toMatchObject({ ok: false, status: 302 });
      expect(listDeliveries({ stateDir: defaultStateDir(gitdir), hook: 'loopback' }).some((d) => d.ok)).toBe(true);
    } finally {
      await serve.stop();
    }
    expect(rx.requests.filter((r) => r.path === '/landing')).toEqual([]);
  });

  it('connects to the address it checked, not to a second resolution of the name', async () => {
    const repo = await diskRepo(`${tmp.dir}/c`);
    // A name the system resolver cannot resolve: only the checked answer can lead to the receiver.
    await setSettings(repo, { webhooks: hooks({ pinned: `http://pinned.invalid:${rx.port}/pinned`, rebind: `http://rebind.invalid:${rx.port}/rebind` }) });
    let calls = 0;
    const lookup: HostLookup = async (h) => {
      calls++;
      return h === 'pinned.invalid' ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }];
    };
    const refused = new WebhookDispatcher({ repo, lookup, backoffMs: 50, maxBackoffMs: 100 });
    // Allowed to reach private addresses, every name answers 127.0.0.1 only (nothing leaves this host).
    const loopbackOnly: HostLookup = async () => {
      calls++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const allowed = new WebhookDispatcher({ repo, lookup: loopbackOnly, allowPrivate: true, backoffMs: 50, maxBackoffMs: 100, stateDir: `${tmp.dir}/c/allowed-state` });
    try {
      refused.kick();
      await releaseWithBinary(repo, '1.0.0', 'one', 'https://dl.example/app');
      refused.kick();
      await until(() => listDeliveries({ stateDir: webhookState(repo), failed: true }).length >= 2, 'refused deliveries');
      expect(rx.requests.filter((r) => r.path === '/pinned' || r.path === '/rebind')).toEqual([]);
      const rebind = listDeliveries({ stateDir: webhookState(repo), hook: 'rebind' })[0]!;
      expect(rebind.error).toMatch(/rebind\.invalid resolves to 127\.0\.0\.1/);
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      allowed.kick();
      await until(() => rx.requests.some((r) => r.path === '/pinned'), 'the pinned delivery');
      expect(rx.requests.find((r) => r.path === '/pinned')!.host).toBe(`pinned.invalid:${rx.port}`);
      expect(calls).toBeGreaterThan(0);
    } finally {
      await refused.close();
      await allowed.close();
      repo.close();
    }
  });
});

async function openAgain(dir: string): Promise<MetaRepo> {
  const { openMeta } = await import('../../src/api/openMeta.js');
  return openMeta({ dir, actor: 'test <test@example.com>', env: {} });
}

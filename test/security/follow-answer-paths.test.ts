import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { promote } from '../../src/index.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, fileServer, releaseWithBinary } from '../helpers/serveFixtures.js';
import { hostileProxy } from '../helpers/hostileServe.js';
import { spawnMeta, startServe } from '../helpers/metaProcess.js';

/**
 * A follower trusts nothing a server answers: a resolve answer whose version (or any other
 * field) is a path trick, served with the right digest by a hostile server in front of a real
 * `meta serve`, must not make it touch anything outside its install dir.
 */

/** Every entry under `root` except `skip`: type, bytes or link target. */
function tree(root: string, skip: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = `${dir}/${name}`;
      if (p === skip) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[p] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[p] = 'dir';
        walk(p);
      } else out[p] = `file ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

const V1 = 'release one bytes';
const V2 = 'release two bytes!';

describe('meta follow validates every field of a resolve answer before it builds a path', () => {
  let tmp: ReturnType<typeof tempDir>;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let files: Awaited<ReturnType<typeof fileServer>>;
  let proxy: Awaited<ReturnType<typeof hostileProxy>>;
  let n = 0;

  beforeAll(async () => {
    tmp = tempDir('meta-sec-follow-paths-');
    const repo = await diskRepo(`${tmp.dir}/srv`);
    mkdirSync(`${tmp.dir}/srv/bin`);
    files = await fileServer(`${tmp.dir}/srv/bin`);
    writeFileSync(`${tmp.dir}/srv/bin/app-1`, V1);
    writeFileSync(`${tmp.dir}/srv/bin/app-2`, V2);
    await releaseWithBinary(repo, '1.0.0', V1, `${files.url}/app-1`, 'a');
    await releaseWithBinary(repo, '2.0.0', V2, `${files.url}/app-2`, 'b');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' });
    serve = await startServe(repo.dir, ['--no-webhooks']);
    proxy = await hostileProxy(serve.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await serve?.stop();
    await files?.close();
    tmp?.cleanup();
  });

  /** A world with an install dir next to a victim directory holding a sentinel file. */
  function world(): { root: string; inst: string; victim: string } {
    const root = `${tmp.dir}/world-${++n}`;
    mkdirSync(`${root}/victim`, { recursive: true });
    writeFileSync(`${root}/victim/sentinel`, 'do not touch');
    return { root, inst: `${root}/inst`, victim: `${root}/victim` };
  }

  async function followOnce(inst: string, extra: string[] = []) {
    const f = spawnMeta(['follow', 'acme/app', '--server', proxy.url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', inst, '--once', '--timeout', '60', ...extra]);
    return { code: await f.exit, err: f.err(), out: f.out() };
  }

  function expectCleanRefusal(r: { code: number; err: string }, field: RegExp, inst: string): void {
    expect(r.code, r.err).toBe(6); // CORRUPT_RECORD
    expect(r.err).toMatch(field);
    expect(r.err).toMatch(/not installing it/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.err).not.toContain(inst); // no host path
    expect(r.err.length).toBeLessThan(2000);
  }

  /** Versions that are path tricks, as functions of the world's root (for the absolute one). */
  const tricks: [string, (root: string) => string][] = [
    ['parent escape with a leading slash', () => '/../../victim'],
    ['dot-dot', () => '..'],
    ['relative escape', () => '../../victim'],
    ['escape behind a harmless segment', () => 'a/../../../victim'],
    ['absolute path', (root) => `${root}/victim`],
    ['NUL byte', () => 'victim\u0000x'],
    ['very long', () => 'v'.repeat(10_000)],
    ['dot', () => '.'],
  ];

  for (const [label, trick] of tricks) {
    it(`refuses a version that is a path trick (${label}), served with the correct digest`, async () => {
      const w = world();
      const version = trick(w.root);
      proxy.rewrite = (real) => ({ ...real, release: { ...(real.release as object), version } });
      const before = tree(w.root, w.inst);
      const r = await followOnce(w.inst);
      expectCleanRefusal(r, /release\.version/, w.inst);
      expect(tree(w.root, w.inst)).toEqual(before);
      expect(readFileSync(`${w.victim}/sentinel`, 'utf8')).toBe('do not touch');
      expect(existsSync(`${w.inst}/current`)).toBe(false);
      expect(existsSync(`${w.inst}/releases`)).toBe(false);
    });
  }

  it('refuses answers whose other fields break the writers\' rules or do not match the question', async () => {
    const cases: [string, (real: Record<string, unknown>) => unknown, RegExp][] = [
      ['platform trick', (real) => ({ ...real, binary: { ...(real.binary as object), platform: '../../linux' } }), /binary\.platform/],
      ['another platform', (real) => ({ ...real, binary: { ...(real.binary as object), platform: 'darwin/arm64' } }), /binary\.platform/],
      ['binary path elsewhere', (real) => ({ ...real, binary: { ...(real.binary as object), path: '../../etc/passwd' } }), /binary\.path/],
      ['another project', (real) => ({ ...real, project: 'evil/app2' }), /project/],
      ['digest with junk', (real) => ({ ...real, binary: { ...(real.binary as object), digest: `${(real.binary as { digest: string }).digest}/../x` } }), /binary\.digest/],
      ['negative size', (real) => ({ ...real, binary: { ...(real.binary as object), size: -1 } }), /binary\.size/],
      ['size as text', (real) => ({ ...real, binary: { ...(real.binary as object), size: '18' } }), /binary\.size/],
      ['location with spaces', (real) => ({ ...real, binary: { ...(real.binary as object), locations: ['http://x/a b'] } }), /binary\.locations\[0\]/],
      ['commit trick', (real) => ({ ...real, commit: '../../refs' }), /commit/],
      ['no channel sequence', (real) => ({ ...real, channelSequence: undefined }), /channelSequence/],
      ['yanked as text', (real) => ({ ...real, yanked: 'no' }), /yanked/],
      ['yank reason with an escape sequence', (real) => ({ ...real, yanked: true, yank: { reason: 'ok\u001b[2J', by: 'x', at: '2026-01-01T00:00:00Z' } }), /yank\.reason/],
      ['yank without yanked', (real) => ({ ...real, yank: { reason: 'r', by: 'x', at: 'y' } }), /yank/],
      ['not an object', () => [1, 2, 3], /answer/],
    ];
    for (const [label, rewrite, field] of cases) {
      const w = world();
      proxy.rewrite = rewrite;
      const before = tree(w.root, w.inst);
      const r = await followOnce(w.inst);
      expectCleanRefusal({ ...r, err: `${label}: ${r.err}` }, field, w.inst);
      expect(tree(w.root, w.inst), label).toEqual(before);
      expect(existsSync(`${w.inst}/current`), label).toBe(false);
    }
  });

  it('refuses a --binary-name that is a path', async () => {
    const w = world();
    proxy.rewrite = (real) => real;
    const before = tree(w.root, w.inst);
    const r = await followOnce(w.inst, ['--binary-name', '../../victim/sentinel']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/invalid binary name/);
    expect(tree(w.root, w.inst)).toEqual(before);
  });

  it('never follows a symlink planted where a release directory goes, even when it holds the right bytes', async () => {
    const w = world();
    writeFileSync(`${w.victim}/app`, V2); // the verified bytes, outside the install dir
    mkdirSync(`${w.inst}/releases`, { recursive: true });
    symlinkSync('../../victim', `${w.inst}/releases/2.0.0`);
    proxy.rewrite = (real) => real;
    const before = tree(w.root, w.inst);
    const r = await followOnce(w.inst);
    expect(r.code, r.err).toBe(0);
    const rel = lstatSync(`${w.inst}/releases/2.0.0`);
    expect(rel.isSymbolicLink()).toBe(false);
    expect(rel.isDirectory()).toBe(true);
    expect(realpathSync(`${w.inst}/current/app`)).toBe(`${realpathSync(w.inst)}/releases/2.0.0/app`);
    expect(readFileSync(`${w.inst}/current/app`, 'utf8')).toBe(V2);
    expect(tree(w.root, w.inst)).toEqual(before); // the link went, its target stayed
  });

  it('refuses to install through a releases/ directory that is a symlink out of the install dir', async () => {
    const w = world();
    mkdirSync(w.inst, { recursive: true });
    symlinkSync('../victim', `${w.inst}/releases`);
    proxy.rewrite = (real) => real;
    const before = tree(w.root, w.inst);
    const r = await followOnce(w.inst);
    expect(r.code, r.err).toBe(5);
    expect(r.err).toMatch(/releases\/ is a symlink/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(tree(w.root, w.inst)).toEqual(before);
    expect(existsSync(`${w.inst}/current`)).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fsck, META_BIN, tempDir } from '../helpers/diskRepo.js';

/** Runs the built `meta` executable as a user would. */
function meta(args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', input, env: { ...process.env, ...env, META_ACTOR: env.META_ACTOR ?? 'e2e <e2e@example.com>' } });
  return { code: r.status, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) };
}

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const LIB = '3'.repeat(40);

describe('the meta executable', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(() => {
    tmp = tempDir();
    env = { META_REPO: `${tmp.dir}/meta` };
  });
  afterAll(() => tmp.cleanup());

  it('runs the core workflow with --json output and exit codes', () => {
    expect(meta(['init'], env).code).toBe(0);
    expect(meta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], env).code).toBe(0);
    const rel = meta(['release', 'record', 'app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${SHA1}`, '--source', `git@git.example:acme/lib.git@${LIB}#lib`, '--json'], env);
    expect(rel.code).toBe(0);
    const relJ = rel.json();
    expect(relJ).toMatchObject({ project: 'acme/app', version: '1.0.0' });
    expect(relJ.githash).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(`${tmp.dir}/app`, 'hello binary');
    const bin = meta(['binary', 'record', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--file', `${tmp.dir}/app`, '--url', `file://${tmp.dir}/app`, '--json'], env).json();
    expect(bin.digest).toBe(`sha256:${createHash('sha256').update('hello binary').digest('hex')}`);
    expect(bin.size).toBe(12);
    const p = meta(['channel', 'promote', 'app', 'stable', '1.0.0', '--expect', 'none', '--json'], env);
    expect(p.code).toBe(0);
    expect(p.json()).toMatchObject({ sequence: 1, changed: true, release: { version: '1.0.0', githash: relJ.githash } });
    const r = meta(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--json'], env);
    expect(r.code).toBe(0);
    const rj = r.json();
    expect(rj.release).toMatchObject({ version: '1.0.0', githash: relJ.githash });
    expect(rj.binary).toMatchObject({ digest: bin.digest, size: 12, locations: [`file://${tmp.dir}/app`] });
    expect(rj.release.sources).toEqual([
      { url: 'https://git.example/acme/app', commit: SHA1, path: '', tag: '' },
      { url: 'git@git.example:acme/lib.git', commit: LIB, path: 'lib', tag: '' },
    ]);
    expect(rj.commit).toMatch(/^[0-9a-f]{40}$/);
    const src = meta(['resolve', 'source', bin.digest, '--json'], env).json();
    expect(src.matches[0]).toMatchObject({ project: 'acme/app', version: '1.0.0', platform: 'linux/amd64' });
    expect(src.matches[0].sources.map((s: { commit: string }) => s.commit)).toEqual([SHA1, LIB]);
    const hist = meta(['channel', 'history', 'app', 'stable', '--json'], env).json();
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({ sequence: 1, action: 'promote', actor: 'e2e <e2e@example.com>', commit: p.json().commit });
    const shown = meta(['show', hist[0].path, '--json'], env).json();
    expect(shown.kind).toBe('promotion');
    const lg = meta(['log', '-n', '2', '--json'], env).json();
    expect(lg[0].subject).toBe('promote acme/app stable 1.0.0 (seq 1)');
    expect(fsck(`${tmp.dir}/meta`).status).toBe(0);
  });

  it('gives documented exit codes and clear messages, writing nothing', () => {
    const head = () => spawnSync('git', ['--git-dir', `${tmp.dir}/meta`, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    const before = head();
    const cases: [string[], number, RegExp][] = [
      [['release', 'record', 'app', '--version', '1.0.0', '--source', `https://x@${SHA2}`], 4, /already exists/],
      [['release', 'record', 'app', '--version', '2.0.0', '--source', 'https://x@abc123'], 2, /full commit hash/],
      [['release', 'record', 'app', '--version', '..', '--source', `https://x@${SHA2}`], 2, /invalid version/],
      [['release', 'record', 'nope', '--version', '2.0.0', '--source', `https://x@${SHA2}`], 3, /no project 'nope'/],
      [['binary', 'record', 'app', '1.0.0', '--platform', 'linux/arm64', '--file', `${tmp.dir}/missing`, '--url', 's3://x'], 2, /cannot read --file .*missing: it does not exist/],
      [['binary', 'record', 'app', '1.0.0', '--platform', 'linux/arm64', '--digest', 'sha256:xyz', '--size', '1', '--url', 's3://x'], 2, /invalid digest/],
      [['binary', 'record', 'app', '9.9.9', '--platform', 'linux/arm64', '--digest', `sha256:${'e'.repeat(64)}`, '--size', '1', '--url', 's3://x'], 3, /no release 9.9.9/],
      [['channel', 'promote', 'app', 'stable', '9.9.9'], 3, /no release 9.9.9/],
      [['channel', 'promote', 'app', 'stable', '1.0.0', '--expect', 'none'], 4, /is at 1.0.0, not none/],
      [['channel', 'show', 'app', 'nightly'], 3, /no channel 'nightly'/],
      [['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'darwin/arm64'], 3, /no darwin\/arm64 binary; it has: linux\/amd64/],
      [['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--at', '1999-01-01'], 3, /no commit at or before/],
      [['project', 'add', '-evil', '--repo-url', 'u'], 2, /^meta: unknown option -evil; see 'meta project add --help'\n$/],
      [['project', 'add', 'a/../b', '--repo-url', 'u'], 2, /'\.\.'/],
      [['frobnicate'], 2, /^meta: unknown command 'frobnicate'; see 'meta --help'\n$/],
    ];
    for (const [args, code, msg] of cases) {
      const r = meta(args, env);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.err).toMatch(msg);
    }
    const j = meta(['channel', 'show', 'app', 'nightly', '--json'], env);
    expect(JSON.parse(j.err).error.code).toBe('NOT_FOUND');
    expect(head()).toBe(before);
    expect(meta(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64'], { META_REPO: `${tmp.dir}/nowhere` }).code).toBe(3);
  });

  it('loses no record when two processes append to one repository at once', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const e = { META_REPO: `${dir}/meta` };
      expect(meta(['init'], e).code).toBe(0);
      expect(meta(['project', 'add', 'acme/app', '--repo-url', 'u'], e).code).toBe(0);
      const script = `
        import { openMeta, recordRelease } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).pathname)};
        const repo = openMeta({ dir: process.env.META_REPO, actor: 'w' + process.argv[1] });
        for (let i = 0; i < 40; i++) await recordRelease(repo, { project: 'acme/app', version: 'w' + process.argv[1] + '.' + i, sources: [{ url: 'u', commit: '${SHA1}' }] });
      `;
      const run = (w: string) => new Promise<number>((res) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', script, w], { env: { ...process.env, ...e }, stdio: 'inherit' });
        c.on('exit', (code) => res(code ?? -1));
      });
      expect(await Promise.all([run('1'), run('2')])).toEqual([0, 0]);
      const files = spawnSync('git', ['--git-dir', `${dir}/meta`, 'ls-tree', '-r', '--name-only', 'HEAD'], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p.endsWith('release.pb'));
      expect(files).toHaveLength(80);
      const commits = spawnSync('git', ['--git-dir', `${dir}/meta`, 'rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
      expect(Number(commits)).toBe(82);
      expect(fsck(`${dir}/meta`).status).toBe(0);
    } finally {
      cleanup();
    }
  });
});

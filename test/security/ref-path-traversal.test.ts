import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { promote } from '../../src/index.js';
import { isValidRefName } from '../../src/store/refs.js';
import { compareAndSwapRef } from '../../src/store/RefLock.js';
import { Store } from '../../src/store/Store.js';
import { memFs } from '../helpers/memRepo.js';
import { git, META_BIN, tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary } from '../helpers/serveFixtures.js';
import { runMeta } from './repoFixtures.js';

const CANARY = 'CANARY-first-line-of-a-file-outside-the-repository';
const RESOLVE = ['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64'];

/** What `git check-ref-format` says about `name` (exit 0 = valid). */
function gitSays(name: string, oneLevel: boolean): boolean {
  const r = spawnSync('git', ['check-ref-format', ...(oneLevel ? ['--allow-onelevel'] : []), name], { encoding: 'utf8' });
  return r.status === 0;
}

describe('ref names follow git check-ref-format', () => {
  // Names git's own tests and docs call out, and the ones an attacker would try.
  const NAMES = [
    'refs/heads/main', 'main', 'refs/tags/v1.0.0', 'refs/heads/feature/x-y_z', 'refs/heads/a.b', 'refs/heads/a./b',
    'refs/heads/@', 'refs/heads/a@b', 'refs/heads/été', 'refs/heads/a{b}', 'refs/heads/-x', 'HEAD', '@',
    'refs/../../../../etc/passwd', 'refs/heads/../x', 'refs/heads/a..b', 'refs/heads/.hidden', 'refs/heads/x.lock',
    'refs/heads/x.lock/y', 'refs/heads/x.locked', 'refs/heads/x/', '/refs/heads/x', 'refs//heads/x', 'refs/heads/x.',
    'refs/heads/a@{1}', 'refs/heads/@{', 'refs/heads/a b', 'refs/heads/a\tb', 'refs/heads/a\x01b', 'refs/heads/a\x7fb',
    'refs/heads/a~1', 'refs/heads/a^', 'refs/heads/a:b', 'refs/heads/a?', 'refs/heads/a*', 'refs/heads/a[b',
    'refs/heads/a\\b', '.', '..', 'refs/.', 'refs/heads/.', 'a/.b/c', 'refs/heads/a/.lock', 'x', '',
  ];

  it.each(NAMES.map((n) => [JSON.stringify(n), n]))('%s agrees with git', (_, name) => {
    expect(isValidRefName(name), `${JSON.stringify(name)} (two levels)`).toBe(gitSays(name, false));
    expect(isValidRefName(name, { allowOneLevel: true }), `${JSON.stringify(name)} (--allow-onelevel)`).toBe(gitSays(name, true));
  });
});

describe('a ref name git refuses never becomes a path to write', () => {
  it('refuses a hostile branch name (a remote default branch) before creating anything', async () => {
    const fs = memFs();
    let code: string | undefined;
    try {
      Store.init({ fs, dir: '/srv/meta', branch: '../../../tmp/x' });
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code).toBe('INVALID_NAME');
    expect(fs.existsSync('/srv/meta')).toBe(false);
    const store = Store.init({ fs, dir: '/srv/meta' });
    const oid = store.objects.write('blob', Buffer.from('x'));
    await expect(compareAndSwapRef(fs, '/srv/meta', 'refs/heads/../../../tmp/y', undefined, oid)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fs.existsSync('/tmp')).toBe(false);
  });
});

describe('--at and ?at= look a ref up only among the repository refs', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let gitdir: string;
  beforeAll(async () => {
    tmp = tempDir('meta-sec-ref-');
    repo = await diskRepo(tmp.dir);
    gitdir = repo.dir;
    await releaseWithBinary(repo, '1.0.0', 'v1', 'https://files.example/app-1.0.0');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    git(['--git-dir', gitdir, 'tag', 'v1']);
    git(['--git-dir', gitdir, 'pack-refs', '--all']);
    // A file outside the repository: <tmp>/meta/refs/../../canary.txt is <tmp>/canary.txt.
    writeFileSync(`${tmp.dir}/canary.txt`, `${CANARY}\nsecond line\n`);
  });
  afterAll(() => tmp.cleanup());

  it('still resolves real refs, loose and packed', () => {
    const tip = git(['--git-dir', gitdir, 'rev-parse', 'main']).trim();
    for (const at of ['main', 'refs/heads/main', 'v1', 'refs/tags/v1', 'HEAD', 'main~0']) {
      const r = runMeta([...RESOLVE, '--repo', gitdir, '--at', at, '--json']);
      expect(r.err, at).toBe('');
      expect(JSON.parse(r.out).commit, at).toBe(tip);
    }
  });

  it('refuses a ref spelled to climb out of refs/ in every --at consumer, reading nothing', () => {
    const commands = [
      RESOLVE,
      ['show', 'projects/acme/app/project.pb'],
      ['channel', 'show', 'acme/app', 'stable'],
      ['instances', 'acme/app'],
      ['secret', 'get', 'prod/db'],
    ];
    for (const at of ['refs/../../canary.txt', 'refs/../../../../etc/passwd', 'heads/../../../canary.txt', '../canary.txt']) {
      for (const cmd of commands) {
        const r = runMeta([...cmd, '--repo', gitdir, '--at', at, '--json']);
        expect(r.code, `${cmd.join(' ')} --at ${at}: ${r.err}`).toBe(2);
        expect(JSON.parse(r.err).error.code).toBe('INVALID_ARGUMENT');
        expect(r.err + r.out).not.toContain('CANARY');
        expect(r.err + r.out).not.toContain('root:');
      }
      const v = runMeta(['verify', '--repo', gitdir, '--from', at, '--json']);
      expect(v.code, v.err).toBe(2);
      const d = runMeta(['diff', 'acme/app', 'stable', at, 'main', '--repo', gitdir, '--json']);
      expect(d.code, d.err).toBe(2);
      expect(v.err + v.out + d.err + d.out).not.toContain('CANARY');
    }
  });

  it('answers a fifo placed among the refs at once, with an error (it would block a reader forever)', () => {
    mkdirSync(`${gitdir}/refs/heads`, { recursive: true });
    expect(spawnSync('mkfifo', [`${gitdir}/refs/heads/fifo`]).status).toBe(0);
    // The child is killed after 20 s: a hang shows as a null exit code, not as a slow pass.
    const r = runMeta([...RESOLVE, '--repo', gitdir, '--at', 'fifo', '--json'], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(6);
    expect(JSON.parse(r.err).error.code).toBe('INTEGRITY');
    expect(JSON.parse(r.err).error.message).toContain('refs/heads/fifo');
  });

  it('answers a fifo planted as the branch lock at once, instead of blocking every writer', () => {
    const lock = `${gitdir}/refs/heads/main.lock`;
    expect(spawnSync('mkfifo', [lock]).status).toBe(0);
    try {
      const r = runMeta(['project', 'add', 'acme/locked', '--repo-url', 'https://git.example/acme/locked', '--repo', gitdir, '--json'], { timeoutMs: 20_000 });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(6);
      expect(JSON.parse(r.err).error.code).toBe('INTEGRITY');
    } finally {
      rmSync(lock);
    }
  });

  it('refuses a symbolic link among the refs, to a device or to a file outside the repository', () => {
    symlinkSync('/dev/zero', `${gitdir}/refs/heads/z`);
    const z = runMeta([...RESOLVE, '--repo', gitdir, '--at', 'z', '--json'], { timeoutMs: 20_000 });
    expect(z.signal).toBeNull();
    expect(z.code).toBe(6);
    expect(JSON.parse(z.err).error.code).toBe('INTEGRITY');
    symlinkSync(`${tmp.dir}/canary.txt`, `${gitdir}/refs/tags/leak`);
    const leak = runMeta([...RESOLVE, '--repo', gitdir, '--at', 'leak', '--json']);
    expect(leak.code).toBe(6);
    expect(leak.err + leak.out).not.toContain('CANARY');
    // A symbolic link to a directory outside: the ref below it is never opened.
    mkdirSync(`${tmp.dir}/outside`);
    writeFileSync(`${tmp.dir}/outside/x`, `${CANARY}\n`);
    symlinkSync(`${tmp.dir}/outside`, `${gitdir}/refs/tags/out`);
    const dir = runMeta([...RESOLVE, '--repo', gitdir, '--at', 'out/x', '--json']);
    expect(dir.code).toBe(6);
    expect(dir.err + dir.out).not.toContain('CANARY');
  });

  it('refuses a HEAD whose symbolic ref climbs out of refs/', () => {
    const head = readFileSync(`${gitdir}/HEAD`, 'utf8');
    writeFileSync(`${gitdir}/HEAD`, 'ref: ../../canary.txt\n');
    try {
      const r = runMeta([...RESOLVE, '--repo', gitdir, '--json']);
      expect(r.code, r.err).toBe(3);
      expect(JSON.parse(r.err).error.code).toBe('NOT_A_META_REPO');
      expect(r.err + r.out).not.toContain('CANARY');
    } finally {
      writeFileSync(`${gitdir}/HEAD`, head);
    }
  });

  describe('over HTTP against meta serve', () => {
    let serve: ChildProcess;
    let url = '';
    beforeAll(async () => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('META_')) env[k] = v;
      // `timeout` makes the server stop by itself should afterAll never run.
      serve = spawn(process.execPath, [META_BIN, 'serve', '--repo', gitdir, '--listen', '127.0.0.1:0', '--no-webhooks'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      let out = '';
      url = await new Promise<string>((resolve, reject) => {
        serve.stdout!.on('data', (d) => {
          out += d;
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        serve.once('exit', (code) => reject(new Error(`meta serve exited (${code})`)));
      });
    });
    afterAll(async () => {
      if (serve && serve.exitCode === null) {
        const exited = new Promise((r) => serve.once('exit', r));
        serve.kill('SIGTERM');
        await exited;
      }
    });

    it('answers ?at= outside refs/ with a 4xx JSON error and no file contents', async () => {
      for (const at of ['refs/../../canary.txt', 'refs/../../../../etc/passwd']) {
        for (const route of ['resolve', 'download']) {
          const res = await fetch(`${url}/v1/projects/acme/app/channels/stable/${route}?platform=linux/amd64&at=${encodeURIComponent(at)}`, { redirect: 'manual' });
          const body = await res.text();
          expect(res.status, `${route} ${at}: ${body}`).toBe(400);
          expect(JSON.parse(body).error.code).toBe('INVALID_ARGUMENT');
          expect(body).not.toContain('CANARY');
          expect(body).not.toContain('root:');
        }
      }
      const ok = await fetch(`${url}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64&at=v1`);
      expect(ok.status).toBe(200);
    });
  });
});

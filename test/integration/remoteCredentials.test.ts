import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProject, initMeta } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, cleanupTmp, git, hex40, tmp } from '../helpers/remoteFixtures.js';

const BIN = fileURLToPath(new URL('../../bin/meta', import.meta.url));
const USER = 'ci-bot';
const SECRET = 'S3cr3t-T0ken-4f9a';
let server: GitHttpServer;
let root: string;

beforeAll(async () => {
  root = tmp();
  server = await startGitHttpServer({ root, auth: { username: USER, password: SECRET } });
  bareRepo(root, 'auth.git');
  const seed = await initMeta({ dir: `${tmp()}/seed`, env: { META_ACTOR: 'seed' } });
  await addProject(seed, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  addRemote(seed, 'origin', server.url('auth.git'));
  await push({ ...seed, env: { META_GIT_USERNAME: USER, META_GIT_PASSWORD: SECRET } });
});
afterAll(async () => {
  await server.close();
  cleanupTmp();
});

function meta(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('META_')));
  return spawnSync(BIN, args, { encoding: 'utf8', env: { ...clean, META_ACTOR: 'Test <t@example.com>', ...env } });
}

/** Every byte of every file under `dir`, for "the secret is nowhere in the repository". */
function allText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = `${dir}/${name}`;
    out += statSync(p).isDirectory() ? allText(p) : readFileSync(p, 'latin1');
  }
  return out;
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const b64 = Buffer.from(`${USER}:${SECRET}`).toString('base64');
function expectNoSecret(...texts: string[]) {
  for (const t of texts) {
    expect(t).not.toContain(SECRET);
    expect(t).not.toContain(b64);
  }
}

describe('credentials', () => {
  it('from $META_GIT_TOKEN: clone, write --push and pull work; the secret is in no file, output or error', () => {
    const dir = `${tmp()}/c`;
    const env = { META_GIT_TOKEN: SECRET, META_GIT_USERNAME: USER };
    const c = meta(['clone', server.url('auth.git'), dir], env);
    expect(c.status, c.stderr).toBe(0);
    const w = meta(['release', 'record', 'acme/app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${hex40('a')}`, '--repo', dir, '--push', '--json'], env);
    expect(w.status, w.stderr).toBe(0);
    expect(git(['--git-dir', `${root}/auth.git`, 'rev-parse', 'main']).trim()).toBe(JSON.parse(w.stdout).commit);
    const p = meta(['pull', '--repo', dir], env);
    expect(p.status).toBe(0);
    expect(readFileSync(`${dir}/config`, 'utf8')).toContain(`url = ${server.url('auth.git')}`);
    expectNoSecret(allText(dir), c.stdout, c.stderr, w.stdout, w.stderr, p.stdout, p.stderr);
    expect(server.authHeaders).toContain(`Basic ${b64}`);
  });

  it('in the URL: used for the clone, stripped from the stored remote; remote add drops them with a warning', () => {
    const dir = `${tmp()}/c`;
    const withCreds = server.url('auth.git').replace('http://', `http://${USER}:${SECRET}@`);
    const c = meta(['clone', withCreds, dir], {});
    expect(c.status, c.stderr).toBe(0);
    expect(readFileSync(`${dir}/config`, 'utf8')).toContain(`url = ${server.url('auth.git')}\n`);
    const r = meta(['remote', 'add', 'mirror', withCreds, '--repo', dir], {});
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('were not stored');
    const ls = meta(['remote', 'ls', '--repo', dir, '--json'], {});
    expect(JSON.parse(ls.stdout)).toEqual([{ name: 'origin', url: server.url('auth.git') }, { name: 'mirror', url: server.url('auth.git') }]);
    expectNoSecret(allText(dir), c.stdout, c.stderr, r.stdout, r.stderr, ls.stdout);
    // Without credentials in the environment the stored remote is refused: exit 10, no secret echoed.
    const p = meta(['pull', '--repo', dir, '--json'], {});
    expect(p.status).toBe(10);
    expect(JSON.parse(p.stderr).error.code).toBe('AUTH');
  });

  it('wrong or unreachable: errors name the URL without credentials and never echo the secret', async () => {
    const wrong = 'wrong-P4ssw0rd-zz';
    const a = meta(['clone', server.url('auth.git'), `${tmp()}/x`], { META_GIT_USERNAME: USER, META_GIT_PASSWORD: wrong });
    expect(a.status).toBe(10);
    expect(a.stderr).toContain(server.url('auth.git'));
    expect(a.stderr).not.toContain(wrong);
    const inUrl = meta(['clone', server.url('auth.git').replace('http://', `http://${USER}:${wrong}@`), `${tmp()}/y`, '--json'], {});
    expect(inUrl.status).toBe(10);
    expect(inUrl.stderr).not.toContain(wrong);
    const port = await closedPort();
    const down = meta(['clone', `http://${USER}:${SECRET}@127.0.0.1:${port}/none.git`, `${tmp()}/z`], {});
    expect(down.status).toBe(9);
    expect(down.stderr).toContain(`cannot reach http://127.0.0.1:${port}/none.git`);
    expectNoSecret(a.stdout, a.stderr, inUrl.stderr, down.stderr);
  });

  it('from a credential helper ($META_GIT_CREDENTIAL_HELPER, git credential protocol)', () => {
    const helper = `${tmp()}/helper.sh`;
    writeFileSync(helper, `#!/bin/sh\n[ "$1" = get ] || exit 0\ncat > /dev/null\necho username=${USER}\necho password=${SECRET}\n`);
    chmodSync(helper, 0o755);
    const dir = `${tmp()}/c`;
    const c = meta(['clone', server.url('auth.git'), dir], { META_GIT_CREDENTIAL_HELPER: helper });
    expect(c.status, c.stderr).toBe(0);
    expectNoSecret(allText(dir), c.stdout, c.stderr);
  });
});

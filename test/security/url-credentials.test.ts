/**
 * Credentials in URLs. `--source https://user:password@host/…` used to store the password in an
 * immutable record that every clone keeps. Source URLs, import modules, binary locations and the
 * project's repository URL now refuse any password, and any user name except on ssh (where the
 * user is an account name); the error shows the URL masked and never echoes the credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { startServer, type MetaServer } from '../../src/serve/MetaServer.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { git, META_BIN, tempDir } from '../helpers/diskRepo.js';
import { diskRepo, setSettings, sha, sha256 } from '../helpers/serveFixtures.js';

const PASSWORD = 'Pa55-w0rd-that-must-not-leak';
const TOKEN = 'cred-test-token';

function meta(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', env: { ...process.env, META_ACTOR: 'sec <sec@example.com>', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function post(base: string, body: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, method: 'POST', path: '/v1/records', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end(JSON.stringify(body));
  });
}

const tip = (gitdir: string) => git(['--git-dir', gitdir, 'rev-parse', 'HEAD']).trim();
/** Every object in the repository, as text: a stored password would show up here. */
const everything = (gitdir: string) => git(['--git-dir', gitdir, 'log', '-p', '--all', '--format=%B']) +
  git(['--git-dir', gitdir, 'cat-file', '--batch-all-objects', '--batch']);

describe('the CLI refuses credentials in URLs', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let gitdir: string;
  beforeAll(() => {
    tmp = tempDir('meta-sec-cred-');
    gitdir = `${tmp.dir}/meta`;
    env = { META_REPO: gitdir };
    expect(meta(['init'], env).code).toBe(0);
    expect(meta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], env).code).toBe(0);
    expect(meta(['release', 'record', 'app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${sha('a')}`], env).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  const release = (...args: string[]) => ['release', 'record', 'app', '--version', '2.0.0', ...args];
  it.each([
    ['a password in an https source', release('--source', `https://ci:${PASSWORD}@git.example/acme/app@${sha('b')}`), 'https://***@git.example/acme/app'],
    ['a token as the user of an https source', release('--source', `https://${PASSWORD}@git.example/acme/app@${sha('b')}`), 'https://***@git.example/acme/app'],
    // Split at its last '@', this one has no commit; the message quotes only the part after it.
    ['a password in a source without its commit', release('--source', `https://ci:${PASSWORD}@git.example/acme/app`), '(after the last'],
    ['a token in a source without its commit', release('--source', `https://${PASSWORD}@git.example/acme/app`), '(after the last'],
    ['a password in a source ending in "@"', release('--source', `https://ci:${PASSWORD}@`), 'https://***@'],
    ['a password in an ssh source', release('--source', `ssh://git:${PASSWORD}@git.example/acme/app@${sha('b')}`), 'ssh://***@git.example'],
    ['a password in an scp-like source', release('--source', `git:${PASSWORD}@git.example:acme/app.git@${sha('b')}`), '***@git.example:acme/app.git'],
    ['a percent-encoded password', release('--source', `ssh://git%3A${PASSWORD}@git.example/acme/app@${sha('b')}`), 'ssh://***@git.example'],
    ['a password in an import module', release('--source', `https://git.example/acme/app@${sha('b')}`, '--import', `https://u:${PASSWORD}@git.example/acme/lib@1.0.0`), 'https://***@git.example/acme/lib'],
    ['a password in a binary location', ['binary', 'record', 'app', '1.0.0', '--platform', 'linux/amd64', '--digest', sha256('x'), '--size', '1', '--url', `s3://AKIAEXAMPLE:${PASSWORD}@builds/app`], 's3://***@builds/app'],
    ['a user in an https binary location', ['binary', 'record', 'app', '1.0.0', '--platform', 'linux/amd64', '--digest', sha256('x'), '--size', '1', '--url', `https://${PASSWORD}@dl.example/app`], 'https://***@dl.example/app'],
    ['a password in a project repository URL', ['project', 'add', 'acme/other', '--repo-url', `https://ci:${PASSWORD}@git.example/acme/other`], 'https://***@git.example/acme/other'],
  ])('%s: exit 2, never echoed or stored', (_what, args, shown) => {
    const before = tip(gitdir);
    for (const json of [false, true]) {
      const r = meta(json ? [...args, '--json'] : args, env);
      expect(r.code).toBe(2);
      expect(`${r.out}${r.err}`).not.toContain(PASSWORD);
      expect(r.err).toContain(shown);
      if (json) expect(['INVALID_ARGUMENT', 'INVALID_NAME']).toContain(JSON.parse(r.err).error.code);
    }
    expect(tip(gitdir)).toBe(before);
    expect(everything(gitdir)).not.toContain(PASSWORD);
  });

  it('accepts ssh URLs that name only the user, as git writes them', () => {
    const r = meta(['release', 'record', 'app', '--version', '3.0.0', '--source', `git@github.com:acme/app.git@${sha('c')}`, '--source', `ssh://git@git.example/acme/lib@${sha('d')}`, '--json'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(meta(['binary', 'record', 'app', '3.0.0', '--platform', 'linux/amd64', '--digest', sha256('y'), '--size', '1', '--url', 'https://dl.example/a@b/app'], env).code).toBe(0);
  });
});

describe('POST /v1/records refuses credentials in URLs', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: MetaServer;
  let gitdir: string;
  beforeAll(async () => {
    tmp = tempDir('meta-sec-cred-http-');
    const repo = await diskRepo(tmp.dir);
    gitdir = `${tmp.dir}/meta`;
    await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(TOKEN) }] } });
    server = await startServer({ repo, listen: '127.0.0.1:0', webhooks: false });
    const ok = await post(server.url, { kind: 'release', project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    expect(ok.status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it.each([
    ['a release source', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: `https://ci:${PASSWORD}@git.example/acme/app`, commit: sha('b') }] }, 'release.sources[0].url'],
    ['a release source with a bad commit too', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: `https://ci:${PASSWORD}@git.example/acme/app`, commit: 'main' }] }, 'release.sources[0].url'],
    ['an import module', { kind: 'release', project: 'acme/app', version: '2.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('b') }], imports: [{ module: `https://u:${PASSWORD}@git.example/lib`, version: '1.0.0' }] }, 'release.imports[0].module'],
    ['a binary location', { kind: 'binary', project: 'acme/app', version: '1.0.0', platform: 'linux/amd64', digest: sha256('x'), size: 1, urls: [`https://u:${PASSWORD}@dl.example/app`] }, 'binary.locations[0]'],
    ['a project repository URL', { kind: 'project', name: 'acme/other', repoUrl: `https://${PASSWORD}@git.example/acme/other` }, 'project.repoUrl'],
  ])('%s: 400 naming the field, the password neither answered nor stored', async (_what, body, field) => {
    const before = tip(gitdir);
    const r = await post(server.url, body);
    expect(r.status).toBe(400);
    expect(r.text).not.toContain(PASSWORD);
    const err = JSON.parse(r.text).error;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(field);
    expect(tip(gitdir)).toBe(before);
    expect(everything(gitdir)).not.toContain(PASSWORD);
  });
});

/**
 * Strings that are not well-formed Unicode, control characters, and 64-bit numbers beyond 2^53.
 *
 * A lone UTF-16 surrogate (`"notes":"\ud800"` in JSON) has no UTF-8 form: stored as-is it made an
 * immutable record that no strict reader decodes, so `meta verify` failed forever after. Every
 * writer now refuses it, naming the field. A record written by another implementation with a
 * uint64 above 2^53 is refused as CORRUPT_RECORD naming the field, never rounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { startServer, type MetaServer } from '../../src/serve/MetaServer.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { binaryPath } from '../../src/records/layout.js';
import { git, META_BIN, REPO_ROOT, tempDir } from '../helpers/diskRepo.js';
import { diskRepo, setSettings, sha } from '../helpers/serveFixtures.js';

const TOKEN = 'unicode-test-token';

/** Runs the built `meta` executable as a user would. */
function meta(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', env: { ...process.env, META_ACTOR: 'sec <sec@example.com>', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A raw POST: the body goes out byte for byte, escapes and all. */
function post(base: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: u.hostname, port: u.port, method: 'POST', path, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

const tip = (gitdir: string) => git(['--git-dir', gitdir, 'rev-parse', 'HEAD']).trim();

describe('lone surrogates over HTTP (POST /v1/records)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: MetaServer;
  let gitdir: string;

  beforeAll(async () => {
    tmp = tempDir('meta-sec-unicode-');
    const repo = await diskRepo(tmp.dir);
    gitdir = `${tmp.dir}/meta`;
    await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(TOKEN) }] } });
    server = await startServer({ repo, listen: '127.0.0.1:0', webhooks: false });
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  const release = (extra: string, source = 'https://git.example/acme/app') =>
    `{"kind":"release","project":"acme/app","version":"1.0.0","sources":[{"url":"${source}","commit":"${sha('a')}"}]${extra}}`;

  it.each([
    ['notes', release(',"notes":"\\ud800"'), 'release.notes'],
    ['a trailing low surrogate in notes', release(',"notes":"ok \\udfff"'), 'release.notes'],
    ['a source URL', release('', 'https://git.example/\\ud83d'), 'release.sources[0].url'],
    // The server checks the body's actor itself (it becomes the on-behalf-of label), before any record.
    ['the actor', release(',"actor":"ci \\udc00"'), "field 'actor'"],
    ['a label value', release(',"labels":{"team":"\\ud800x"}'), 'release.labels[0].value'],
  ])('refuses %s with 400 INVALID_ARGUMENT naming the field, and commits nothing', async (_what, body, field) => {
    const before = tip(gitdir);
    const r = await post(server.url, '/v1/records', body);
    expect(r.status).toBe(400);
    const err = JSON.parse(r.text).error;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(field);
    expect(tip(gitdir)).toBe(before);
  });

  it('refuses a lone surrogate in an instance report message too', async () => {
    const before = tip(gitdir);
    const r = await post(server.url, '/v1/projects/acme/app/instances/web-1/report', '{"env":"prod","status":"running","message":"\\ud800"}');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.message).toContain('instance.message');
    expect(tip(gitdir)).toBe(before);
  });

  it('still accepts a valid surrogate pair, and the repository verifies', async () => {
    const r = await post(server.url, '/v1/records', release(',"notes":"rocket \\ud83d\\ude80"').replace('"1.0.0"', '"9.0.0"'));
    expect(r.status).toBe(201);
    const shown = meta(['show', JSON.parse(r.text).path, '--json'], { META_REPO: gitdir });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out).record.notes).toBe('rocket \u{1F680}');
    const v = meta(['verify'], { META_REPO: gitdir });
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
  });
});

describe('the CLI', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(() => {
    tmp = tempDir('meta-sec-unicode-cli-');
    env = { META_REPO: `${tmp.dir}/meta` };
    expect(meta(['init'], env).code).toBe(0);
    expect(meta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], env).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('receives invalid UTF-8 arguments as U+FFFD (no lone surrogate can arrive), and the record verifies', () => {
    // ED A0 80 is U+D800 in CESU-8; node decodes argv as UTF-8, replacing what is not.
    const r = spawnSync('bash', ['-c', `"$0" "$1" release record app --version 1.0.0 --source "https://git.example/acme/app@${sha('b')}" --notes "$(printf '\\355\\240\\200')" --json`, process.execPath, META_BIN], {
      encoding: 'utf8', env: { ...process.env, ...env, META_ACTOR: 'sec <sec@example.com>' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const shown = meta(['show', JSON.parse(r.stdout).path, '--json'], env);
    expect(JSON.parse(shown.out).record.notes).toMatch(/^\ufffd+$/);
    expect(meta(['verify'], env).code).toBe(0);
  });

  it.each([
    ['an escape sequence in --notes', ['--notes', 'bad \x1b]0;owned\x07'], 'release.notes'],
    ['a C1 control (CSI) in --notes', ['--notes', 'a\u009b2Jb'], 'release.notes'],
    ['a newline in --actor', ['--actor', 'ci\nInjected: header'], 'release.actor'],
    ['a control character in a label', ['--label', 'team=a\x1bb'], 'release.labels[0].value'],
  ])('refuses %s (exit 2) naming the field, and writes nothing', (_what, extra, field) => {
    const before = tip(env.META_REPO!);
    const r = meta(['release', 'record', 'app', '--version', '2.0.0', '--source', `https://git.example/acme/app@${sha('c')}`, ...extra, '--json'], env);
    expect(r.code).toBe(2);
    const err = JSON.parse(r.err).error;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(field);
    expect(err.data.field).toBe(field);
    expect(tip(env.META_REPO!)).toBe(before);
  });

  it('keeps tabs and line breaks in free text', () => {
    const r = meta(['release', 'record', 'app', '--version', '2.0.1', '--source', `https://git.example/acme/app@${sha('d')}`, '--notes', 'line one\n\tline two\r\n', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(meta(['show', JSON.parse(r.out).path, '--json'], env).out).record.notes).toBe('line one\n\tline two\r\n');
  });
});

describe('a uint64 above 2^53 in a record written by another implementation', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let path: string;

  beforeAll(() => {
    tmp = tempDir('meta-sec-uint64-');
    const gitdir = `${tmp.dir}/meta`;
    env = { META_REPO: gitdir };
    expect(meta(['init'], env).code).toBe(0);
    expect(meta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], env).code).toBe(0);
    const rel = meta(['release', 'record', 'app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${sha('e')}`, '--json'], env);
    const githash = JSON.parse(rel.out).githash as string;
    // 2^53 + 1: a double cannot hold it, so a reader using numbers would round it to 2^53.
    const text = [
      'header { schema_version: 1 kind: KIND_BINARY created_at { seconds: 1767225600 } actor: "other-tool" }',
      'project: "acme/app"',
      `release { githash: "${githash}" version: "1.0.0" }`,
      'platform { os: "linux" arch: "amd64" }',
      `digest: "sha256:${createHash('sha256').update('x').digest('hex')}"`,
      'size: 9007199254740993',
      'media_type: "application/octet-stream"',
      'locations: "https://dl.example/app"',
    ].join('\n');
    const bytes = execFileSync('protoc', ['--encode=meta.v1.Binary', '-I', `${REPO_ROOT}/proto`, 'meta/v1/binary.proto'], { input: text });
    path = binaryPath('acme/app', '1.0.0', { os: 'linux', arch: 'amd64', variant: '' });
    const oid = execFileSync('git', ['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { input: bytes, encoding: 'utf8' }).trim();
    const index = { GIT_INDEX_FILE: `${tmp.dir}/index` };
    git(['--git-dir', gitdir, 'read-tree', 'HEAD'], { env: index });
    git(['--git-dir', gitdir, 'update-index', '--add', '--cacheinfo', `100644,${oid},${path}`], { env: index });
    const tree = git(['--git-dir', gitdir, 'write-tree'], { env: index }).trim();
    const commit = git(['--git-dir', gitdir, 'commit-tree', tree, '-p', 'HEAD', '-m', 'binary written by another tool']).trim();
    git(['--git-dir', gitdir, 'update-ref', 'HEAD', commit]);
  });
  afterAll(() => tmp.cleanup());

  it('meta show reports CORRUPT_RECORD (exit 6) naming the field instead of a rounded size', () => {
    const r = meta(['show', path, '--json'], env);
    expect(r.out).not.toContain('9007199254740992');
    expect(r.code).toBe(6);
    const err = JSON.parse(r.err).error;
    expect(err.code).toBe('CORRUPT_RECORD');
    expect(err.message).toContain('binary.size');
    expect(err.data.field).toBe('binary.size');
  });

  it('meta verify fails (exit 6) and names the field', () => {
    const r = meta(['verify'], env);
    expect(r.code).toBe(6);
    expect(r.out).toContain(path);
    expect(r.out).toContain('binary.size');
  });

  it('resolving the binary by digest does not serve the rounded size', () => {
    const r = meta(['resolve', 'source', `sha256:${createHash('sha256').update('x').digest('hex')}`, '--json'], env);
    expect(`${r.out}${r.err}`).not.toContain('9007199254740992');
    expect(r.code).not.toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { gitBlob, plumbingCommit } from '../helpers/remoteFixtures.js';
import { git, META_BIN, tempDir } from '../helpers/diskRepo.js';
import { startServe } from '../helpers/metaProcess.js';
import { rawRequest } from '../helpers/rawRequest.js';

/** Aliases that expand to 9^6 items ("billion laughs") in a few hundred bytes. */
const BOMB = '[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], [*e,*e,*e,*e,*e,*e,*e,*e,*e]]';

function meta(repo: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [META_BIN, '--repo', repo, ...args], { encoding: 'utf8', input, timeout: 30_000, killSignal: 'SIGKILL', env: { ...process.env, META_ACTOR: 'mallory <m@example.com>' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * meta.yaml is a file every writer can change. Hostile settings, given to the settings commands
 * or committed by hand, must never lock users out of the repository, exhaust memory or crash a
 * command or the server: the commands refuse them before anything is written (exit 2, one line,
 * no stack), and readers report them as errors.
 */
describe('hostile settings', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo = '';
  const tip = () => git(['--git-dir', repo, 'rev-parse', 'HEAD']).trim();
  const refused = (args: string[], input?: string) => {
    const before = tip();
    const r = meta(repo, args, input);
    expect(r.code, r.err).toBe(2);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(tip()).toBe(before);
    return r.err;
  };

  beforeAll(() => {
    tmp = tempDir('meta-sec-settings-');
    repo = `${tmp.dir}/meta`;
    expect(meta(repo, ['init']).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('refuses alias bombs as a value or as a whole file, without expanding them', () => {
    expect(refused(['settings', 'set', 'channels', BOMB])).toMatch(/cannot be read: Excessive alias count/);
    expect(refused(['settings', 'edit', '--file', '-'], `format: 1\nchannels: ${BOMB}\n`)).toMatch(/Excessive alias count/);
  });

  it('refuses edits that would lock every command out of the repository', () => {
    // Opening a repository reads its one top-level `format:` line; these would hide or repeat it.
    expect(refused(['settings', 'edit', '--file', '-'], '{format: 1}\n')).toMatch(/one top-level line 'format: 1'/);
    expect(refused(['settings', 'edit', '--file', '-'], 'format: 1\nx:\nformat: 1\n')).toMatch(/format|YAML/);
    expect(refused(['settings', 'edit', '--file', '-'], 'format: "2"\n')).toMatch(/format/);
    expect(refused(['settings', 'set', 'format', '[1]'])).toMatch(/format/);
    expect(refused(['settings', 'unset', 'format'])).toMatch(/format/);
    expect(refused(['settings', 'set', 'layout.release_shard_hex_digits', '4'])).toMatch(/cannot change/);
    expect(meta(repo, ['settings', 'get', 'format']).out).toBe('1\n');
  });

  it('refuses names with path tricks or control characters in declared lists and keys', () => {
    expect(refused(['settings', 'set', 'environments', '[dev, ../prod]'])).toMatch(/environments\.1/);
    expect(refused(['settings', 'set', 'environments', '[dev, "dev/\\u0007x"]'])).toMatch(/control characters/);
    expect(refused(['settings', 'set', 'channels', '["-rf"]'])).toMatch(/starts with '-'/);
    expect(refused(['env', 'add', 'dev/../../etc'])).toMatch(/\.\./);
    expect(refused(['settings', 'set', 'serve.tokens.0.name\nx', '1'])).toMatch(/setting key/);
  });

  it('a hand-committed alias bomb is an error for readers, never a crash, and a valid file repairs it', async () => {
    plumbingCommit(repo, { put: { 'meta.yaml': gitBlob(repo, `format: 1\nchannels: ${BOMB}\n`) } }, 'hostile settings');
    const promote = meta(repo, ['channel', 'add', 'canary']);
    expect(promote.code).toBe(2);
    expect(promote.err).not.toMatch(/\n\s+at /);
    expect(meta(repo, ['settings', 'get']).code).toBe(0); // the text, as committed
    expect(meta(repo, ['settings', 'get', 'channels']).code).toBe(2);
    const serve = await startServe(repo, ['--no-webhooks']);
    try {
      expect((await rawRequest(serve.url, 'GET', '/healthz')).status).toBe(200);
      expect(serve.alive()).toBe(true);
    } finally {
      await serve.stop();
    }
    const fixed = meta(repo, ['settings', 'edit', '--file', '-'], 'format: 1\nenvironments: [dev, prod]\nchannels: [stable]\n');
    expect(fixed.code, fixed.err).toBe(0);
    expect(meta(repo, ['channel', 'add', 'canary']).code).toBe(0);
  });
});

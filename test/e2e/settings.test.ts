import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { git, META_BIN } from '../helpers/diskRepo.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, cleanupTmp, tmp } from '../helpers/remoteFixtures.js';

const http = useGitHttpServer();

/** Runs the built `meta` executable on one repository, optionally with standard input. */
function meta(repo: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [META_BIN, '--repo', repo, ...args], { encoding: 'utf8', input, env: { ...process.env, META_ACTOR: 'e2e <e2e@example.com>', NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Settings without hand-editing git: every command validates the whole resulting meta.yaml and
 * writes nothing when it is invalid, commits it when it is valid, and honours --push.
 */
describe('meta settings', () => {
  let repo = '';
  const tip = () => git(['--git-dir', repo, 'rev-parse', 'HEAD']).trim();
  const file = () => git(['--git-dir', repo, 'show', 'HEAD:meta.yaml']);
  /** Expects `meta settings …` to fail with `code` and leave the tip (and so meta.yaml) as it was. */
  const refused = (code: number, args: string[], input?: string) => {
    const before = tip();
    const r = meta(repo, args, input);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(code);
    expect(tip()).toBe(before);
    return r.err;
  };

  beforeAll(() => {
    repo = `${tmp('meta-settings-')}/meta`;
    expect(meta(repo, ['init']).code).toBe(0);
  });
  afterAll(() => cleanupTmp());

  it('get prints the file as committed, one setting by dotted key, or JSON', () => {
    const all = meta(repo, ['settings', 'get']);
    expect(all.code).toBe(0);
    expect(all.out).toBe(file());
    expect(meta(repo, ['settings', 'get', 'channels']).out).toBe('- stable\n- beta\n');
    expect(meta(repo, ['settings', 'get', 'format']).out).toBe('1\n');
    expect(JSON.parse(meta(repo, ['settings', 'get', 'layout', '--json']).out)).toEqual({ release_shard_hex_digits: 2, sequence_shard_size: 1000 });
    expect(JSON.parse(meta(repo, ['settings', 'get', '--json']).out)).toMatchObject({ format: 1, environments: ['dev', 'staging', 'prod'] });
    expect(meta(repo, ['settings', 'get', 'webhooks']).code).toBe(3);
    expect(meta(repo, ['settings', 'get', 'channels.7']).code).toBe(3);
    expect(meta(repo, ['settings', 'get', 'a..b']).code).toBe(2);
  });

  it('set refuses an invalid result and writes nothing', () => {
    expect(refused(2, ['settings', 'set', 'push', 'maybe'])).toMatch(/nothing written: push: must be true, false or a mapping/);
    expect(refused(2, ['settings', 'set', 'webhooks', '[{name: deploys, url: "ftp://hooks.example.com/x"}]'])).toMatch(/webhooks\.0 \(deploys\): needs an http\(s\) url/);
    expect(refused(2, ['settings', 'set', 'webhooks', '[{name: a, url: "https://h.example/a"}, {name: a, url: "https://h.example/b"}]'])).toMatch(/webhooks\.1 \(a\): the name a is used twice/);
    expect(refused(2, ['settings', 'set', 'webhooks', '[{name: a, url: "https://h.example/a", projects: [app]}]'])).toMatch(/not a full project name/);
    expect(refused(2, ['settings', 'set', 'serve.tokens', '[{name: ci, sha256: not-a-hash}]'])).toMatch(/serve\.tokens\.0 \(ci\): needs sha256/);
    expect(refused(2, ['settings', 'set', 'channels', '[stable, Stable]'])).toMatch(/'Stable' differs only in case from 'stable'/);
    expect(refused(2, ['settings', 'set', 'environments', '[prod, dev/alice]'])).toMatch(/needs its environment dev declared first/);
    expect(refused(2, ['settings', 'set', 'layout.sequence_shard_size', '10'])).toMatch(/cannot change/);
    expect(refused(2, ['settings', 'set', 'format', '2'])).toMatch(/format: must be 1/);
    expect(refused(2, ['settings', 'unset', 'format'])).toMatch(/format/);
    expect(refused(2, ['settings', 'set', 'format.x', '1'])).toMatch(/format holds a single value/);
    expect(refused(2, ['settings', 'set', 'push', '{a: [1'])).toMatch(/not valid YAML/);
    // A typo of a setting's name would do nothing: refused, with the name it resembles.
    expect(refused(2, ['settings', 'set', 'webhoks', '[]'])).toMatch(/webhoks: is not a setting boot-meta knows; did you mean webhooks\?/);
  });

  it('set, unset: one commit each, list positions by index, comments kept', () => {
    const comments = file().split('\n').filter((l) => l.startsWith('#'));
    let r = meta(repo, ['settings', 'set', 'webhooks', '[{name: deploys, url: "https://hooks.example.com/a"}]']);
    expect(r.code, r.err).toBe(0);
    expect(git(['--git-dir', repo, 'log', '-1', '--format=%s'])).toBe('settings set webhooks\n');
    r = meta(repo, ['settings', 'set', 'webhooks.0.url', 'https://hooks.example.com/b']);
    expect(r.code, r.err).toBe(0);
    r = meta(repo, ['settings', 'set', 'webhooks.1', '{name: audit, url: "https://audit.example.com/", events: [channel.*]}']);
    expect(r.code, r.err).toBe(0);
    expect(refused(2, ['settings', 'set', 'webhooks.5.url', 'https://x.example/'])).toMatch(/webhooks has 2 item\(s\): use a position from 0 to 2/);
    expect(JSON.parse(meta(repo, ['settings', 'get', 'webhooks', '--json']).out)).toEqual([
      { name: 'deploys', url: 'https://hooks.example.com/b' },
      { name: 'audit', url: 'https://audit.example.com/', events: ['channel.*'] },
    ]);
    r = meta(repo, ['settings', 'unset', 'webhooks.0']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(meta(repo, ['settings', 'get', 'webhooks', '--json']).out)).toEqual([{ name: 'audit', url: 'https://audit.example.com/', events: ['channel.*'] }]);
    expect(refused(3, ['settings', 'unset', 'webhooks.4'])).toMatch(/no setting webhooks\.4/);
    // Setting a value it already has writes nothing.
    const before = tip();
    expect(meta(repo, ['settings', 'set', 'webhooks.0.url', 'https://audit.example.com/']).out).toMatch(/nothing written/);
    expect(tip()).toBe(before);
    for (const line of comments) expect(file()).toContain(line);
  });

  it('edit replaces the whole file from a file or stdin, validated first', () => {
    const good = `${file()}push: false\n`;
    const f = `${tmp('meta-settings-file-')}/meta.yaml`;
    writeFileSync(f, good);
    const r = meta(repo, ['settings', 'edit', '--file', f]);
    expect(r.code, r.err).toBe(0);
    expect(file()).toBe(good);
    // A flow mapping hides the format line every command reads first: the repository would no longer open.
    expect(refused(2, ['settings', 'edit', '--file', '-'], '{format: 1, channels: [stable]}\n')).toMatch(/one top-level line 'format: 1'/);
    expect(refused(2, ['settings', 'edit', '--file', '-'], 'format: 1\nformat: 1\n')).toMatch(/format|YAML/);
    expect(refused(2, ['settings', 'edit', '--file', '-'], '- a list\n')).toMatch(/mapping/);
    expect(refused(2, ['settings', 'edit', '--file', `${f}.missing`])).toMatch(/does not exist/);
    expect(meta(repo, ['verify']).code).toBe(0);
  });

  it('honours --push through a real git http-backend', () => {
    const srv = bareRepo(http.root, 'settings.git');
    expect(meta(repo, ['remote', 'add', 'origin', http.server.url('settings.git')]).code).toBe(0);
    expect(meta(repo, ['push']).code).toBe(0);
    let r = meta(repo, ['settings', 'set', 'channels', '[stable, beta, canary]', '--push']);
    expect(r.code, r.err).toBe(0);
    expect(git(['--git-dir', srv, 'rev-parse', 'refs/heads/main']).trim()).toBe(tip());
    expect(git(['--git-dir', srv, 'show', 'refs/heads/main:meta.yaml'])).toContain('channels: [stable, beta, canary]');
    r = meta(repo, ['env', 'add', 'qa', '--push']);
    expect(r.code, r.err).toBe(0);
    expect(git(['--git-dir', srv, 'log', '-1', '--format=%s', 'refs/heads/main'])).toBe('env add qa\n');
    // Refused settings reach the remote no more than the local branch.
    const remoteTip = git(['--git-dir', srv, 'rev-parse', 'refs/heads/main']).trim();
    expect(meta(repo, ['settings', 'set', 'push', 'maybe', '--push']).code).toBe(2);
    expect(git(['--git-dir', srv, 'rev-parse', 'refs/heads/main']).trim()).toBe(remoteTip);
  });
});

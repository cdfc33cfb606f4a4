/**
 * Personal environments (`dev/<developer>`): declared with `meta env add`, usable wherever an
 * environment is, with secrets under `envs/dev/<developer>/secrets/` encrypted for the parent's
 * age recipients until the developer has a rule of their own in `.sops.yaml`. Checked with the
 * built `meta`, real git, the real `age` CLI and `sops-age` (an independent SOPS decryptor).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSops } from 'sops-age';
import { readMetadata } from '../../src/secrets/index.js';
import { fsck, git, META_BIN, tempDir } from '../helpers/diskRepo.js';

const hasAge = spawnSync('age', ['--version']).status === 0;
const inCI = process.env['CI'] === 'true';

describe.skipIf(!hasAge && !inCI)('personal environments and their secrets', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo = '';
  const rec: Record<string, string> = {};
  const key = (n: string) => `${tmp.dir}/${n}.txt`;
  const secretKey = (n: string) => readFileSync(key(n), 'utf8').trim().split('\n').at(-1)!;

  function meta(...args: string[]) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SOPS_') && !k.startsWith('META_') && k !== 'XDG_CONFIG_HOME') env[k] = v;
    const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', cwd: tmp.dir, env: { ...env, HOME: tmp.dir, META_ACTOR: 'Sam <sam@example.com>', META_REPO: repo } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }
  const show = (path: string) => git(['--git-dir', repo, 'show', `HEAD:${path}`]);

  beforeAll(() => {
    expect(hasAge, '`age` must be on PATH under CI').toBe(true);
    tmp = tempDir('meta-personal-');
    repo = `${tmp.dir}/meta`;
    for (const n of ['dev', 'alice']) {
      const r = meta('keys', 'generate', '--out', `${n}.txt`);
      expect(r.code, r.err).toBe(0);
      rec[n] = r.out.trim();
    }
    expect(meta('init', repo, '--env', 'dev', '--env', 'prod', '--age', `dev=${rec.dev}`).code).toBe(0);
  });
  afterAll(() => tmp?.cleanup());

  it('refuses secrets of an undeclared environment (exit 3, with a suggestion) and writes nothing', () => {
    const before = git(['--git-dir', repo, 'rev-parse', 'HEAD']);
    const r = meta('secret', 'set', 'prd/db', 'password=x');
    expect(r.code).toBe(3);
    expect(r.err).toBe("meta: unknown environment prd; did you mean prod? declare a new one with 'meta env add prd'\n");
    expect(git(['--git-dir', repo, 'rev-parse', 'HEAD'])).toBe(before);
  });

  it("encrypts a personal environment's secrets for its environment's recipients until it has its own", async () => {
    expect(meta('env', 'add', 'dev/alice').code).toBe(0);
    const ls = meta('keys', 'ls', 'dev/alice', '--json');
    expect(JSON.parse(ls.out)).toEqual([{ env: 'dev/alice', pathRegex: '^envs/dev/secrets/.*', recipients: [rec.dev], inheritedFrom: 'dev' }]);
    const set = meta('secret', 'set', 'dev/alice/db', 'password=shared-1', '--json');
    expect(set.code, set.err).toBe(0);
    const path = JSON.parse(set.out).path as string;
    expect(path).toBe('envs/dev/alice/secrets/db/00000/0000000001.sops.yaml');
    expect(await decryptSops(show(path), { secretKey: secretKey('dev'), fileType: 'yaml' })).toEqual({ password: 'shared-1' });
    expect(meta('secret', 'get', 'dev/alice/db', '--key', 'password', '-i', 'dev.txt').out).toBe('shared-1\n');
  });

  it('with a rule of its own (`meta keys add-recipient dev/alice`), only its own keys open new secrets', async () => {
    const add = meta('keys', 'add-recipient', 'dev/alice', rec.alice!);
    expect(add.code, add.err).toBe(0);
    expect(show('.sops.yaml')).toContain(`path_regex: ^envs/dev/alice/secrets/.*\n      age: ${rec.alice}`);
    const set = meta('secret', 'set', 'db2', '--env', 'dev/alice', 'password=mine-2', '--json');
    expect(set.code, set.err).toBe(0);
    const text = show(JSON.parse(set.out).path);
    expect(readMetadata(text, 'yaml').age.map((a) => a.recipient)).toEqual([rec.alice]);
    // The real age CLI opens the data key with alice's identity and not with dev's.
    const stanza = readMetadata(text, 'yaml').age[0]!.enc;
    expect(execFileSync('age', ['-d', '-i', key('alice')], { input: stanza }).length).toBe(32);
    expect(spawnSync('age', ['-d', '-i', key('dev')], { input: stanza }).status).not.toBe(0);
    expect(await decryptSops(text, { secretKey: secretKey('alice'), fileType: 'yaml' })).toEqual({ password: 'mine-2' });
    const devTry = meta('secret', 'get', 'dev/alice/db2', '-i', 'dev.txt');
    expect(devTry.code).toBe(10);
    expect(meta('secret', 'get', 'db2', '--env', 'dev/alice', '--key', 'password', '-i', 'alice.txt').out).toBe('mine-2\n');
    // updatekeys of dev re-encrypts dev/alice's older secret for alice's own rule.
    const up = meta('secret', 'updatekeys', 'dev', '-i', 'dev.txt', '--json');
    expect(up.code, up.err).toBe(0);
    expect(JSON.parse(up.out).items.map((i: { env: string; name: string; action: string }) => `${i.env}/${i.name} ${i.action}`).sort()).toEqual(['dev/alice/db rotated', 'dev/alice/db2 unchanged']);
    expect(meta('secret', 'get', 'dev/alice/db', '--key', 'password', '-i', 'alice.txt').out).toBe('shared-1\n');
  });

  it('keeps <env>/<developer>/<name> readable one way only', () => {
    const r = meta('secret', 'set', 'alice/x', '--env', 'dev', 'k=v');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dev\/alice is a personal environment/);
    expect(meta('secret', 'set', 'dev/bob/x', 'k=v', '-i', 'dev.txt').code).toBe(0); // bob is no developer: secret bob/x of dev
    const bob = meta('env', 'add', 'dev/bob');
    expect(bob.code).toBe(2);
    expect(bob.err).toMatch(/environment dev has a secret folder bob/);
    const ls = JSON.parse(meta('secret', 'ls', '--json').out) as { env: string; name: string }[];
    expect(ls.map((s) => `${s.env} ${s.name}`)).toEqual(['dev bob/x', 'dev/alice db', 'dev/alice db2']);
    expect(JSON.parse(meta('secret', 'ls', 'dev/alice', '--json').out).map((s: { name: string }) => s.name)).toEqual(['db', 'db2']);
  });

  it('leaves a history verify and git fsck --strict accept', () => {
    const v = meta('verify');
    expect(v.code, v.out + v.err).toBe(0);
    expect(fsck(repo).status).toBe(0);
    const secrets = JSON.parse(meta('log', '--kind', 'secret', '--json').out) as { records: { path: string }[] }[];
    expect(secrets.flatMap((c) => c.records.map((r) => r.path)).filter((p) => p.startsWith('envs/dev/alice/')).length).toBe(3);
  });
});

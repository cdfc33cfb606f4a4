/**
 * Secrets end to end: the built `meta` executable on a real repository, checked with real git,
 * the real `age` CLI and `sops-age` (an independent SOPS decryptor). Under CI=true a missing
 * `age` fails instead of skipping.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSops } from 'sops-age';
import { openMeta } from '../../src/api/openMeta.js';
import { secretVersionPath } from '../../src/api/secretsPaths.js';
import { readMetadata } from '../../src/secrets/index.js';
import { git, META_BIN, REPO_ROOT, tempDir } from '../helpers/diskRepo.js';

const hasAge = spawnSync('age', ['--version']).status === 0 && spawnSync('age-keygen', ['--help']).error === undefined;
const inCI = process.env['CI'] === 'true';
if (!hasAge && !inCI) console.warn('SKIPPING secrets CLI tests: `age`/`age-keygen` not on PATH (apt-get install age); under CI=true this is a failure');

const SECRET = 'hunter2-Zq7xK';
const SECRET2 = 'second-Pw9vL';

/** The environment a user's shell would have, minus any real age keys of the machine. */
function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SOPS_') && k !== 'XDG_CONFIG_HOME') env[k] = v;
  return { ...env, HOME: home, META_ACTOR: 'Sam <sam@example.com>', ...extra };
}

describe.skipIf(!hasAge && !inCI)('meta secret / meta keys (built executable, real git and age)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repoDir: string;
  let env: Record<string, string>;
  const outputs: string[] = [];
  const rec: Record<string, string> = {};
  const keyFile = (n: string) => `${tmp.dir}/${n}.txt`;

  function meta(args: string[], opts: { input?: string; env?: Record<string, string>; keepOutput?: boolean } = {}) {
    const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', input: opts.input, cwd: tmp.dir, env: { ...env, ...opts.env } });
    // Everything except `secret get` must never print a value.
    if (!opts.keepOutput) outputs.push(`${r.stdout}${r.stderr}`);
    return { code: r.status, out: r.stdout, err: r.stderr };
  }
  const tip = () => git(['--git-dir', repoDir, 'rev-parse', 'main']).trim();

  beforeAll(() => {
    expect(hasAge, '`age` and `age-keygen` must be on PATH under CI (apt-get install age)').toBe(true);
    expect(existsSync(`${REPO_ROOT}/dist/cli/main.js`), 'run `npm run build` before the integration tests').toBe(true);
    tmp = tempDir('meta-secrets-');
    repoDir = `${tmp.dir}/meta`;
    env = cleanEnv(tmp.dir, { META_REPO: repoDir });
  });
  afterAll(() => tmp?.cleanup());

  it('keys generate writes a 0600 key file age reads, never overwrites it, and prints the recipient', () => {
    for (const n of ['dev', 'prod', 'prod2']) {
      const r = meta(['keys', 'generate', '--out', `${n}.txt`]);
      expect(r.code, r.err).toBe(0);
      rec[n] = r.out.trim();
      expect(rec[n]).toMatch(/^age1[0-9a-z]{58}$/);
      expect(statSync(keyFile(n)).mode & 0o777).toBe(0o600);
      // The real age derives the same recipient from the file.
      expect(execFileSync('age-keygen', ['-y', keyFile(n)], { encoding: 'utf8' }).trim()).toBe(rec[n]);
    }
    const before = readFileSync(keyFile('dev'), 'utf8');
    const again = meta(['keys', 'generate', '--out', 'dev.txt']);
    expect(again.code).toBe(4);
    expect(again.err).toContain('exists');
    expect(readFileSync(keyFile('dev'), 'utf8')).toBe(before);
    // Without --out, stdout (a pipe here) gets the key file and stderr the public key.
    const piped = meta(['keys', 'generate'], { keepOutput: true });
    expect(piped.code).toBe(0);
    expect(piped.out).toMatch(/^# created: .*\n# public key: age1\S+\nAGE-SECRET-KEY-1[0-9A-Z]{58}\n$/);
    expect(piped.err).toMatch(/^Public key: age1/);
  });

  it('init seeds .sops.yaml with one rule per environment', () => {
    const r = meta(['init', repoDir, '--env', 'dev', '--env', 'prod', '--age', `dev=${rec['dev']}`, '--age', `prod=${rec['prod']}`]);
    expect(r.code, r.err).toBe(0);
    const cfg = git(['--git-dir', repoDir, 'show', 'main:.sops.yaml']);
    expect(cfg).toContain(`path_regex: ^envs/prod/secrets/.*\n      age: "${rec['prod']}"`);
    const ls = meta(['keys', 'ls', '--json']);
    expect(JSON.parse(ls.out)).toEqual([
      { env: 'dev', pathRegex: '^envs/dev/secrets/.*', recipients: [rec['dev']] },
      { env: 'prod', pathRegex: '^envs/prod/secrets/.*', recipients: [rec['prod']] },
    ]);
  });

  it('set (stdin, then key=value), get and ls', () => {
    const s1 = meta(['secret', 'set', 'prod/db', '--file', '-'], { input: `password: ${SECRET}\nport: 5432\n` });
    expect(s1.code, s1.err).toBe(0);
    expect(s1.out).toContain('secret set prod/db (v1, keys: password, port)');
    // Changing an existing secret needs a key of the environment.
    const before = tip();
    const noKey = meta(['secret', 'set', 'prod/db', 'user=app']);
    expect(noKey.code).toBe(10);
    expect(noKey.err).toContain('no identity matches');
    expect(noKey.err).toContain(rec['prod']);
    expect(tip()).toBe(before);
    const s2 = meta(['secret', 'set', 'prod/db', 'user=app', '--json'], { env: { SOPS_AGE_KEY_FILE: keyFile('prod') } });
    expect(s2.code, s2.err).toBe(0);
    expect(JSON.parse(s2.out)).toMatchObject({ env: 'prod', name: 'db', version: 2, previous: 1, keys: ['user'], changed: true });
    expect(git(['--git-dir', repoDir, 'log', '-1', '--format=%s%n%an <%ae>', 'main']).trim()).toBe('secret set prod/db (v2, keys: user)\nSam <sam@example.com>');

    const get = meta(['secret', 'get', 'prod/db', '--key', 'password', '-i', 'prod.txt'], { keepOutput: true });
    expect(get.code, get.err).toBe(0);
    expect(get.out).toBe(`${SECRET}\n`);
    const whole = meta(['secret', 'get', 'prod/db'], { keepOutput: true, env: { SOPS_AGE_KEY: readFileSync(keyFile('prod'), 'utf8') } });
    expect(whole.out).toBe(`password: ${SECRET}\nport: 5432\nuser: app\n`);
    const json = meta(['secret', 'get', 'prod/db', '--json', '-i', 'prod.txt'], { keepOutput: true });
    expect(JSON.parse(json.out)).toMatchObject({ version: 2, format: 'yaml', value: { password: SECRET, port: 5432, user: 'app' } });
    const at = meta(['secret', 'get', 'prod/db', '--at', 'main~1', '--json', '-i', 'prod.txt'], { keepOutput: true });
    expect(JSON.parse(at.out).value).toEqual({ password: SECRET, port: 5432 });

    const ls = meta(['secret', 'ls', '--json']);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.out)).toEqual([
      expect.objectContaining({ env: 'prod', name: 'db', versions: 2, latest: expect.objectContaining({ version: 2, author: 'Sam <sam@example.com>', recipients: [rec['prod']] }) }),
    ]);
    const human = meta(['secret', 'ls', 'prod']);
    expect(human.out).toMatch(/^prod\/db\tv2\t2 version\(s\)\t\d{4}-.*Sam <sam@example.com>\n$/);
    const hist = meta(['secret', 'ls', 'prod/db']);
    expect(hist.out.trim().split('\n')).toHaveLength(2);
  });

  it('files meta writes decrypt with sops-age, and the data key with age -d', async () => {
    const path = secretVersionPath('prod', 'db', 2, 'yaml');
    const enc = git(['--git-dir', repoDir, 'show', `main:${path}`]);
    const theirs = await decryptSops(enc, { secretKey: readFileSync(keyFile('prod'), 'utf8').trim().split('\n').at(-1)!, fileType: 'yaml' });
    expect(theirs).toEqual({ password: SECRET, port: 5432, user: 'app' });
    const entry = readMetadata(enc, 'yaml').age[0]!;
    const dataKey = execFileSync('age', ['-d', '-i', keyFile('prod')], { input: entry.enc });
    expect(dataKey.length).toBe(32);
    const wrong = spawnSync('age', ['-d', '-i', keyFile('dev')], { input: entry.enc });
    expect(wrong.status).not.toBe(0);
  });

  it('a dev identity cannot decrypt a prod secret', () => {
    expect(meta(['secret', 'set', 'dev/db', `password=dev-only`]).code).toBe(0);
    const r = meta(['secret', 'get', 'prod/db', '-i', 'dev.txt']);
    expect(r.code).toBe(10);
    expect(r.err).toContain('no identity matches');
    expect(r.err).toContain(rec['prod']);
    expect(r.out).toBe('');
    expect(meta(['secret', 'get', 'dev/db', '-i', 'dev.txt', '--key', 'password'], { keepOutput: true }).out).toBe('dev-only\n');
  });

  it('a forged version in the repository fails with a MAC error (exit 6) and nothing is written', () => {
    // A second repository, so the forged version does not disturb the others' history.
    const dir = `${tmp.dir}/forged`;
    expect(meta(['init', dir, '--env', 'prod', '--age', `prod=${rec['prod']}`]).code).toBe(0);
    const e = { META_REPO: dir };
    expect(meta(['secret', 'set', 'prod/db', `password=${SECRET2}`, 'user=app'], { env: e }).code).toBe(0);
    const v1 = git(['--git-dir', dir, 'show', `main:${secretVersionPath('prod', 'db', 1, 'yaml')}`]);
    const lines = v1.split('\n');
    const [a, b] = [lines.findIndex((l) => l.startsWith('password:')), lines.findIndex((l) => l.startsWith('user:'))];
    const [va, vb] = [lines[a]!.slice(lines[a]!.indexOf('ENC[')), lines[b]!.slice(lines[b]!.indexOf('ENC['))];
    lines[a] = `password: ${vb}`;
    lines[b] = `user: ${va}`;
    const repo = openMeta({ dir, actor: 'mallory', env: {} });
    return repo.store.append(() => ({ files: [{ path: secretVersionPath('prod', 'db', 2, 'yaml'), data: Buffer.from(lines.join('\n')) }], message: 'forged' }), { actor: 'mallory' }).then(() => {
      repo.close();
      const head = git(['--git-dir', dir, 'rev-parse', 'main']).trim();
      const get = meta(['secret', 'get', 'prod/db', '-i', 'prod.txt'], { env: e });
      expect(get.code).toBe(6);
      expect(get.err).toMatch(/fails authentication|MAC/);
      expect(get.out).toBe('');
      const set = meta(['secret', 'set', 'prod/db', 'x=y', '-i', 'prod.txt'], { env: e });
      expect(set.code).toBe(6);
      expect(git(['--git-dir', dir, 'rev-parse', 'main']).trim()).toBe(head);
      // The same file outside the repository: decrypt fails and --out is not created.
      writeFileSync(`${tmp.dir}/forged.sops.yaml`, lines.join('\n'));
      const dec = meta(['secret', 'decrypt', 'forged.sops.yaml', '-i', 'prod.txt', '--out', 'forged.plain.yaml']);
      expect(dec.code).toBe(6);
      expect(existsSync(`${tmp.dir}/forged.plain.yaml`)).toBe(false);
    });
  });

  it('after remove-recipient + updatekeys the removed key cannot decrypt the new version', () => {
    const add = meta(['keys', 'add-recipient', 'prod', rec['prod2']!]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain('meta secret updatekeys prod');
    const up = meta(['secret', 'updatekeys', 'prod', '-i', 'prod.txt']);
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain('prod/db: v3 re-wrapped');
    expect(meta(['secret', 'get', 'prod/db', '--key', 'password', '-i', 'prod2.txt'], { keepOutput: true }).out).toBe(`${SECRET}\n`);

    const rm = meta(['keys', 'remove-recipient', 'prod', rec['prod']!]);
    expect(rm.code, rm.err).toBe(0);
    const down = meta(['secret', 'updatekeys', 'prod', '-i', 'prod2.txt']);
    expect(down.code, down.err).toBe(0);
    expect(down.out).toContain('prod/db: v4 with a NEW data key');
    const enc = git(['--git-dir', repoDir, 'show', `main:${secretVersionPath('prod', 'db', 4, 'yaml')}`]);
    expect(readMetadata(enc, 'yaml').age.map((x) => x.recipient)).toEqual([rec['prod2']]);
    const byAge = spawnSync('age', ['-d', '-i', keyFile('prod')], { input: readMetadata(enc, 'yaml').age[0]!.enc });
    expect(byAge.status).not.toBe(0);
    const r = meta(['secret', 'get', 'prod/db', '-i', 'prod.txt']);
    expect(r.code).toBe(10);
    expect(r.err).toContain(rec['prod2']);
    expect(meta(['secret', 'get', 'prod/db', '--key', 'password', '-i', 'prod2.txt'], { keepOutput: true }).out).toBe(`${SECRET}\n`);
    // Nothing left to do: nothing written.
    const head = tip();
    expect(meta(['secret', 'updatekeys', '-i', 'prod2.txt']).out).toContain('nothing written');
    expect(tip()).toBe(head);
  });

  it('encrypt and decrypt files outside the repository, like sops -e / -d', async () => {
    writeFileSync(`${tmp.dir}/app.env`, `TOKEN=${SECRET}\n`);
    const enc = meta(['secret', 'encrypt', 'app.env', '--age', rec['dev']!, '--out', 'app.enc.env']);
    expect(enc.code, enc.err).toBe(0);
    const text = readFileSync(`${tmp.dir}/app.enc.env`, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(await decryptSops(text, { secretKey: readFileSync(keyFile('dev'), 'utf8').trim().split('\n').at(-1)!, fileType: 'env' })).toEqual({ TOKEN: SECRET });
    const dec = meta(['secret', 'decrypt', 'app.enc.env', '-i', 'dev.txt'], { keepOutput: true });
    expect(dec.out).toBe(`TOKEN=${SECRET}\n`);
    const viaStdin = meta(['secret', 'decrypt', '-', '--format', 'dotenv', '-i', 'dev.txt'], { keepOutput: true, input: text });
    expect(viaStdin.out).toBe(`TOKEN=${SECRET}\n`);
    expect(meta(['secret', 'decrypt', 'app.enc.env', '-i', 'dev.txt', '--out', 'plain.env']).code).toBe(0);
    expect(statSync(`${tmp.dir}/plain.env`).mode & 0o777).toBe(0o600);
    const wrong = meta(['secret', 'decrypt', 'app.enc.env', '-i', 'prod2.txt']);
    expect(wrong.code).toBe(10);
    expect(wrong.err).toContain(rec['dev']);
  });

  it('the plaintext is in no git object and in no output but secret get', () => {
    git(['--git-dir', repoDir, 'repack', '-a', '-q']); // some objects packed, new ones below loose
    expect(meta(['secret', 'set', 'prod/other', `k=${SECRET2.toUpperCase()}`]).code).toBe(0);
    expect(git(['--git-dir', repoDir, 'count-objects', '-v'])).toMatch(/in-pack: [1-9]/);
    const all = execFileSync('git', ['--git-dir', repoDir, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 1 << 28 });
    expect(all.length).toBeGreaterThan(1000);
    for (const s of [SECRET, SECRET2.toUpperCase()]) expect(all.includes(Buffer.from(s))).toBe(false);
    expect(git(['--git-dir', repoDir, 'log', '--format=%B', 'main'])).not.toContain(SECRET);
    for (const o of outputs) expect(o).not.toContain(SECRET);
    expect(outputs.length).toBeGreaterThan(15);
  });
});

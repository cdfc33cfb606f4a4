/**
 * The secret and keys commands in process (main() with a test context): the safety decisions
 * and error exits that need no spawned executable.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { formatKeyFile, generateAgeIdentity, type AgeKeyPair } from '../../src/secrets/index.js';
import { tempDir } from '../helpers/diskRepo.js';

let tmp: ReturnType<typeof tempDir>;
let key: AgeKeyPair;
beforeAll(async () => {
  tmp = tempDir('meta-secrets-cli-');
  key = await generateAgeIdentity();
  writeFileSync(`${tmp.dir}/key.txt`, formatKeyFile(key), { mode: 0o600 });
});
afterAll(() => tmp.cleanup());

async function run(argv: string[], opts: { stdin?: string | Buffer; isTTY?: boolean; env?: Record<string, string> } = {}) {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    out: (t) => { out += t; },
    err: (t) => { err += t; },
    env: { HOME: tmp.dir, META_ACTOR: 't <t@example.com>', ...opts.env },
    cwd: tmp.dir,
    stdin: async () => Buffer.from(opts.stdin ?? ''),
    isTTY: opts.isTTY ?? false,
  };
  const code = await main(argv, ctx);
  return { code, out, err };
}

describe('meta keys generate', () => {
  it('refuses to print an identity to a terminal, and to write one into the meta repository', async () => {
    const tty = await run(['keys', 'generate'], { isTTY: true });
    expect(tty.code).toBe(2);
    expect(tty.err).toContain('--out');
    expect(tty.out).toBe('');
    const inside = await run(['keys', 'generate', '--out', 'meta/key.txt'], { env: { META_REPO: `${tmp.dir}/meta` } });
    expect(inside.code).toBe(2);
    expect(existsSync(`${tmp.dir}/meta/key.txt`)).toBe(false);
    const json = await run(['keys', 'generate', '--out', 'nested/dir/k.txt', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ recipient: expect.stringMatching(/^age1/), file: `${tmp.dir}/nested/dir/k.txt` });
    expect(readFileSync(`${tmp.dir}/nested/dir/k.txt`, 'utf8')).toContain(JSON.parse(json.out).recipient);
  });
});

describe('meta init --age and meta secret', () => {
  const repo = () => ({ META_REPO: `${tmp.dir}/meta` });

  it('init refuses a bad --age and creates nothing', async () => {
    expect((await run(['init', 'bad1', '--env', 'prod', '--age', 'prod'])).code).toBe(2);
    expect((await run(['init', 'bad2', '--env', 'prod', '--age', 'prod=age1nope'])).code).toBe(2);
    expect((await run(['init', 'bad3', '--env', 'prod', '--age', `dev=${key.recipient}`])).code).toBe(2);
    for (const d of ['bad1', 'bad2', 'bad3']) expect(existsSync(`${tmp.dir}/${d}`)).toBe(false);
    expect((await run(['init', 'meta', '--env', 'prod', '--age', `prod=${key.recipient}`])).code).toBe(0);
  });

  it('set refuses bad input with exit 2 and writes nothing', async () => {
    expect((await run(['secret', 'set', 'prod/db'], { env: repo() })).code).toBe(2);
    expect((await run(['secret', 'set', 'prod/db', 'novalue'], { env: repo() })).code).toBe(2);
    expect((await run(['secret', 'set', 'prod/../db', 'a=b'], { env: repo() })).code).toBe(2);
    expect((await run(['secret', 'ls', '--json'], { env: repo() })).out.trim()).toBe('[]');
  });

  it('a binary secret from a file round-trips through --out', async () => {
    const bytes = Buffer.from([0, 255, 1, 2, 254, 10]);
    writeFileSync(`${tmp.dir}/blob.bin`, bytes);
    const set = await run(['secret', 'set', 'prod/blob', '--file', 'blob.bin', '--json'], { env: repo() });
    expect(set.code, set.err).toBe(0);
    expect(JSON.parse(set.out)).toMatchObject({ format: 'binary', path: 'envs/prod/secrets/blob/00000/0000000001.sops.bin' });
    const toStdout = await run(['secret', 'get', 'prod/blob', '-i', 'key.txt'], { env: repo() });
    expect(toStdout.code).toBe(2);
    expect(toStdout.err).toContain('--out');
    const got = await run(['secret', 'get', 'prod/blob', '-i', 'key.txt', '--out', 'blob.out'], { env: repo() });
    expect(got.code, got.err).toBe(0);
    expect(readFileSync(`${tmp.dir}/blob.out`).equals(bytes)).toBe(true);
    expect((await run(['secret', 'set', 'prod/blob', 'a=b', '-i', 'key.txt'], { env: repo() })).code).toBe(2);
  });

  it('set --file - reads stdin in the given format; get --key prints one value', async () => {
    const set = await run(['secret', 'set', 'prod/api', '--file', '-', '--format', 'dotenv'], { env: repo(), stdin: 'TOKEN=abc=def\n' });
    expect(set.code, set.err).toBe(0);
    expect(set.out).not.toContain('abc');
    const got = await run(['secret', 'get', 'prod/api', '--key', 'TOKEN'], { env: { ...repo(), SOPS_AGE_KEY_FILE: `${tmp.dir}/key.txt` } });
    expect(got.out).toBe('abc=def\n');
    const missing = await run(['secret', 'get', 'prod/nope', '-i', 'key.txt'], { env: repo() });
    expect(missing.code).toBe(3);
  });
});

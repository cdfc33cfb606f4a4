import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateKeys } from '../../src/api/generateKeys.js';
import { isMetaError } from '../../src/errors/MetaError.js';

const root = mkdtempSync(`${tmpdir()}/meta-keys-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateKeys never writes an identity into the meta repository', () => {
  const repo = `${root}/meta`;
  mkdirSync(repo);
  symlinkSync(repo, `${root}/link-to-meta`);

  it.each([
    ['the repository itself', () => `${repo}/keys.txt`],
    ['a folder below it that does not exist yet', () => `${repo}/a/b/keys.txt`],
    ['a symbolic link to it', () => `${root}/link-to-meta/keys.txt`],
  ])('refuses %s (INVALID_ARGUMENT, nothing written)', async (_what, out) => {
    const err = await generateKeys({ out: out(), repoDir: repo }).catch((e: unknown) => e);
    expect(isMetaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(existsSync(`${repo}/keys.txt`)).toBe(false);
    expect(existsSync(`${repo}/a`)).toBe(false);
  });

  it('writes next to it (mode 0600) and never over an existing file', async () => {
    const out = `${root}/meta-keys/keys.txt`;
    const k = await generateKeys({ out, repoDir: repo });
    expect(k.recipient).toMatch(/^age1[0-9a-z]+$/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await generateKeys({ out, repoDir: repo }).catch((e: unknown) => e);
    expect(isMetaError(again, 'ALREADY_EXISTS')).toBe(true);
  });
});

// Where `meta follow --config-file/--flags-file` writes: exactly the path given, never through a
// link (dangling, or to a directory), never over a directory, never a relative path;
// and a file that now holds secret values loses any wider mode it had.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeConfigFile } from '../../src/follow/writeConfigFile.js';
import { tempDir } from '../helpers/diskRepo.js';

describe('the config and flags file of a follower', () => {
  const t = tempDir('meta-attack-cfgfile-');
  afterAll(() => t.cleanup());

  it.each([
    ['a directory', (p: string) => mkdirSync(p), 'PRECONDITION_FAILED'],
    ['a dangling symbolic link', (p: string) => symlinkSync(`${t.dir}/not-yet`, p), 'PRECONDITION_FAILED'],
    ['a link to a directory', (p: string) => { mkdirSync(`${t.dir}/d2`); symlinkSync(`${t.dir}/d2`, p); }, 'PRECONDITION_FAILED'],
  ])('refuses %s, writing nothing anywhere', async (label, make, code) => {
    const path = `${t.dir}/${label.replace(/ /g, '-')}.json`;
    make(path);
    const before = readdirSync(t.dir).sort();
    await expect(writeConfigFile(path, '{"A":1}\n', 0o600)).rejects.toMatchObject({ code });
    expect(readdirSync(t.dir).sort()).toEqual(before);
    expect(existsSync(`${t.dir}/not-yet`)).toBe(false);
    expect(readdirSync(t.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a relative path', async () => {
    await expect(writeConfigFile('config.json', '{}\n', 0o644)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(existsSync('config.json')).toBe(false);
  });

  it('a world-readable file that comes to hold secrets is replaced by one of mode 0600', async () => {
    const path = `${t.dir}/app.json`;
    writeFileSync(path, '{"A":1}\n', { mode: 0o644 });
    expect(await writeConfigFile(path, '{"A":1}\n', 0o600)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('{"A":1}\n');
  });
});

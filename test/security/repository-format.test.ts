import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseGitConfig } from '../../src/store/repoFormat.js';
import { git, tempDir } from '../helpers/diskRepo.js';
import { runMeta, treeState } from './repoFixtures.js';

const ADD = ['project', 'add', 'acme/x', '--repo-url', 'https://git.example/acme/x', '--json'];
const errorOf = (r: { err: string }) => JSON.parse(r.err).error as { code: string; message: string };

/** Does real git open the repository? */
function gitOpens(gitdir: string): boolean {
  return spawnSync('git', ['--git-dir', gitdir, 'rev-parse', '--git-dir'], { encoding: 'utf8' }).status === 0;
}

/** `git config --file` as real git reads it: [key, value|null] pairs, or undefined when git rejects the file. */
function gitConfigList(path: string): [string, string | null][] | undefined {
  const r = spawnSync('git', ['config', '--file', path, '--list', '--null'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.split('\0').filter((e) => e !== '').map((e) => {
    const nl = e.indexOf('\n');
    return nl < 0 ? [e, null] : [e.slice(0, nl), e.slice(nl + 1)];
  });
}

describe('repository format and extensions are read as git reads them', () => {
  let tmp: ReturnType<typeof tempDir>;
  let template: string;
  let n = 0;
  /** A fresh copy of a meta repository made by `meta init`. */
  const metaCopy = () => {
    const dir = `${tmp.dir}/copy${++n}`;
    cpSync(template, dir, { recursive: true });
    return dir;
  };
  beforeAll(() => {
    tmp = tempDir('meta-sec-format-');
    template = `${tmp.dir}/template`;
    expect(runMeta(['init', template]).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('refuses an empty SHA-256 repository instead of writing SHA-1 objects into it', () => {
    const dir = `${tmp.dir}/sha256-empty.git`;
    git(['init', '-q', '--bare', '--object-format=sha256', '-b', 'main', dir]);
    const before = treeState(dir);
    const r = runMeta([...ADD, '--repo', dir]);
    expect(r.code, r.err).toBe(3);
    expect(errorOf(r).code).toBe('NOT_A_META_REPO');
    expect(errorOf(r).message).toContain('SHA-256');
    expect(treeState(dir)).toEqual(before);
  });

  it('refuses a SHA-256 repository holding a meta history, writing nothing', () => {
    const dir = `${tmp.dir}/sha256.git`;
    git(['init', '-q', '--bare', '--object-format=sha256', '-b', 'main', dir]);
    const blob = git(['--git-dir', dir, 'hash-object', '-w', '--stdin'], { input: 'format: 1\nenvironments: [prod]\n' }).trim();
    const tree = git(['--git-dir', dir, 'mktree'], { input: `100644 blob ${blob}\tmeta.yaml\n` }).trim();
    const commit = git(['--git-dir', dir, 'commit-tree', tree, '-m', 'init meta repository']).trim();
    git(['--git-dir', dir, 'update-ref', 'refs/heads/main', commit]);
    const before = treeState(dir);
    for (const args of [ADD, ['project', 'ls', '--json']]) {
      const r = runMeta([...args, '--repo', dir]);
      expect(r.code, r.err).toBe(3);
      expect(errorOf(r).message).toContain('SHA-256');
    }
    expect(treeState(dir)).toEqual(before);
    expect(git(['--git-dir', dir, 'rev-parse', 'main']).trim()).toBe(commit);
  });

  it('refuses an unknown extension under format version 1, like git, and ignores it under version 0, like git', () => {
    const v1 = metaCopy();
    git(['--git-dir', v1, 'config', 'core.repositoryformatversion', '1']);
    git(['--git-dir', v1, 'config', 'extensions.foo', 'bar']);
    expect(gitOpens(v1)).toBe(false);
    const before = treeState(v1);
    const r = runMeta([...ADD, '--repo', v1]);
    expect(r.code, r.err).toBe(3);
    expect(errorOf(r).code).toBe('NOT_A_META_REPO');
    expect(errorOf(r).message).toContain('extensions.foo');
    expect(treeState(v1)).toEqual(before);

    const v0 = metaCopy();
    git(['--git-dir', v0, 'config', 'extensions.foo', 'bar']);
    expect(gitOpens(v0)).toBe(true);
    const ok = runMeta([...ADD, '--repo', v0]);
    expect(ok.code, ok.err).toBe(0);
  });

  // [config edits, does git 2.39 open it, does boot-meta]
  const CASES: [string, [string, string][], boolean, boolean][] = [
    ['v1, objectformat sha1', [['core.repositoryformatversion', '1'], ['extensions.objectformat', 'sha1']], true, true],
    ['v1, preciousobjects', [['core.repositoryformatversion', '1'], ['extensions.preciousObjects', 'true']], true, true],
    ['v1, worktreeconfig', [['core.repositoryformatversion', '1'], ['extensions.worktreeConfig', 'true']], true, true],
    ['v1, noop', [['core.repositoryformatversion', '1'], ['extensions.noop', 'x']], true, true],
    ['v1, objectformat sha256 (mixed case key)', [['core.repositoryformatversion', '1'], ['extensions.objectFormat', 'sha256']], true, false],
    ['v1, refstorage reftable', [['core.repositoryformatversion', '1'], ['extensions.refStorage', 'reftable']], false, false],
    // git implements partial clones (missing objects fetched on demand); boot-meta does not.
    ['v1, partialclone', [['core.repositoryformatversion', '1'], ['extensions.partialClone', 'origin']], true, false],
    ['v0, partialclone (honoured by git under v0 too)', [['extensions.partialclone', 'origin']], true, false],
    ['v0, objectformat (version-1-only)', [['extensions.objectformat', 'sha256']], false, false],
    ['v0, noop-v1 (version-1-only)', [['extensions.noop-v1', 'true']], false, false],
    ['v0, preciousobjects', [['extensions.preciousobjects', 'true']], true, true],
    ['version 2', [['core.repositoryformatversion', '2']], false, false],
  ];

  it.each(CASES)('%s', (_, edits, gitExpected, metaExpected) => {
    const dir = metaCopy();
    for (const [k, v] of edits) git(['--git-dir', dir, 'config', k, v]);
    // Real git's answer, so the table cannot drift from what git does.
    expect(gitOpens(dir)).toBe(gitExpected);
    const before = treeState(dir);
    const r = runMeta([...ADD, '--repo', dir]);
    if (metaExpected) {
      expect(r.code, r.err).toBe(0);
    } else {
      expect(r.code, r.err).toBe(3);
      expect(errorOf(r).code).toBe('NOT_A_META_REPO');
      expect(treeState(dir)).toEqual(before);
    }
  });

  it('refuses a config git cannot parse, writing nothing', () => {
    const dir = metaCopy();
    writeFileSync(`${dir}/config`, '[core]\n\tbare = true\n[extensions\n\tobjectformat = sha256\n');
    expect(gitOpens(dir)).toBe(false);
    const before = treeState(dir);
    const r = runMeta([...ADD, '--repo', dir]);
    expect(r.code, r.err).toBe(3);
    expect(errorOf(r).message).toContain('bad config line 3');
    expect(treeState(dir)).toEqual(before);
  });

  describe('the config parser agrees with git config --list', () => {
    const TEXTS: [string, string][] = [
      ['sections and comments', '[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectFormat = sha256 ; comment\n'],
      ['case and boolean keys', '[Core]\n  Bare\n  RepositoryFormatVersion=0 # c\n'],
      ['quotes, subsection case, continuation', '[remote "Origin"]\n\turl = "http://x/a b" # q\n\tfetch = a\\\n b\n'],
      ['old-style subsection', '[section.Sub]\n key = "quoted ; not # a comment"\n'],
      ['key on the header line', '[a] k = v\n[b]k2=w\n'],
      ['escapes and inner spaces', '[x]\nk = "tab\\there" and  two  spaces  \nj = \\"a\\\\b\\n\n'],
      ['BOM and CRLF', '\uFEFF[x]\r\nk = v\r\n'],
      ['only comments, then a bare key', '; only comment\n# x\n[y]\nk\n'],
      ['subsection escapes', '[x "a\\"b\\\\c"]\nk = 1\n'],
      ['empty value', '[x]\nk =\nl = ""\n'],
      ['quotes opening and closing inside a value', '[x]\nk = "a"b"c" ; c\n'],
      ['backslash at the end of the file', '[x]\nk=v\\'],
      ['subsection spacing and an empty subsection', '[x  "s"]\nk=v\n[y ""]\nk=w\n'],
      ['comment after a bare key', '[x]\nk #c\n'],
      ['unclosed section', '[x\nk = v\n'],
      ['key before any section', 'k = v\n'],
      ['unterminated quote', '[x]\nk = "open\n'],
      ['unknown escape', '[x]\nk = a\\qb\n'],
      ['unterminated subsection', '[x "sub]\nk = v\n'],
      ['key starting with a digit', '[x]\n1k = v\n'],
      ['bad key character', '[x]\nk_y = v\n'],
    ];
    let dir: string;
    beforeAll(() => {
      dir = `${tmp.dir}/configs`;
      mkdirSync(dir);
    });
    it.each(TEXTS)('%s', (name, text) => {
      const path = `${dir}/${name.replace(/\W+/g, '-')}.cfg`;
      writeFileSync(path, text);
      const expected = gitConfigList(path);
      let mine: [string, string | null][] | undefined;
      try {
        mine = parseGitConfig(text).map((e) => [e.key, e.value]);
      } catch {
        mine = undefined;
      }
      expect(mine).toEqual(expected);
    });
  });
});

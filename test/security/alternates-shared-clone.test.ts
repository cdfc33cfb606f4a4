import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isMetaError } from '../../src/errors/MetaError.js';
import { Store } from '../../src/store/Store.js';
import { fsck, git, META_BIN, tempDir } from '../helpers/diskRepo.js';

/**
 * A `git clone --shared` (or `--reference`) repository keeps no objects of its own: git reads them
 * through `objects/info/alternates`. boot-meta must read them the same way, and must never write
 * into the repository the clone borrows from.
 */

const SHA1 = '1'.repeat(40);

function meta(args: string[], repo: string) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', env: { ...process.env, META_REPO: repo, META_ACTOR: 'sec <sec@example.com>' } });
  return { code: r.status, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Every file under `dir` with its size and mtime: what a write must leave untouched. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = `${d}/${name}`;
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p.slice(dir.length)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

const objectFiles = (objects: string) => listing(objects).filter((l) => /^\/([0-9a-f]{2}\/|pack\/)/.test(l));

describe('reading a repository through objects/info/alternates', () => {
  let tmp: ReturnType<typeof tempDir>;
  let src: string;
  beforeAll(() => {
    tmp = tempDir('meta-sec-alt-');
    src = `${tmp.dir}/src.git`;
    expect(meta(['init'], src).code).toBe(0);
    expect(meta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], src).code).toBe(0);
    expect(meta(['release', 'record', 'app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${SHA1}`], src).code).toBe(0);
    fs.writeFileSync(`${tmp.dir}/app`, 'binary 1.0.0');
    expect(meta(['binary', 'record', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--file', `${tmp.dir}/app`, '--url', `file://${tmp.dir}/app`], src).code).toBe(0);
    // Part of the history packed by git, the rest loose: the clone borrows both kinds.
    git(['--git-dir', src, 'repack', '-a', '-d', '-q']);
    expect(meta(['channel', 'promote', 'app', 'stable', '1.0.0', '--expect', 'none'], src).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('meta verify, resolve binary and log work on a `git clone --shared --bare`', () => {
    const clone = `${tmp.dir}/clone.git`;
    git(['clone', '-q', '--shared', '--bare', src, clone]);
    expect(fs.readFileSync(`${clone}/objects/info/alternates`, 'utf8').trim()).toBe(`${src}/objects`);
    // Nothing of its own: every object is the source's.
    expect(objectFiles(`${clone}/objects`)).toEqual([]);

    const commits = Number(git(['--git-dir', clone, 'rev-list', '--count', 'HEAD']).trim());
    const v = meta(['verify', '--json'], clone);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    expect(v.json()).toMatchObject({ ok: true, commits, shallow: false, violations: [] });

    const r = meta(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--json'], clone);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ release: { version: '1.0.0' }, binary: { size: 12, locations: [`file://${tmp.dir}/app`] } });

    const lg = meta(['log', '-n', '10', '--json'], clone);
    expect(lg.code).toBe(0);
    const subjects = git(['--git-dir', clone, 'log', '--format=%s', '-n', '10']).trim().split('\n');
    expect(lg.json().map((e: { subject: string }) => e.subject)).toEqual(subjects);
  });

  it('a write to the clone lands in the clone\'s own objects, never in the alternate', () => {
    const clone = `${tmp.dir}/clone-write.git`;
    git(['clone', '-q', '--shared', '--bare', src, clone]);
    const srcBefore = listing(src);
    const w = meta(['release', 'record', 'app', '--version', '1.0.1', '--source', `https://git.example/acme/app@${'2'.repeat(40)}`, '--json'], clone);
    expect(w.err).toBe('');
    expect(w.code).toBe(0);
    const p = meta(['channel', 'promote', 'app', 'stable', '1.0.1', '--expect', '1.0.0', '--json'], clone);
    expect(p.code).toBe(0);
    const tip = git(['--git-dir', clone, 'rev-parse', 'HEAD']).trim();
    expect(tip).toBe(p.json().commit);
    // The source repository is exactly as it was: no object, pack, ref or cache file written.
    expect(listing(src)).toEqual(srcBefore);
    expect(() => git(['--git-dir', src, 'cat-file', '-e', tip])).toThrow();
    // The new objects are the clone's own, and git accepts the clone as a whole.
    expect(objectFiles(`${clone}/objects`).length).toBeGreaterThan(0);
    expect(fs.existsSync(`${clone}/objects/${tip.slice(0, 2)}/${tip.slice(2)}`)).toBe(true);
    expect(fsck(clone)).toEqual({ status: 0, output: '' });
    const r = meta(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--json'], clone);
    // 1.0.1 has no binary yet: the promotion was read back from the clone's own objects.
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no linux\/amd64 binary|1\.0\.1/);
  });

  it('follows relative, commented and nested alternates exactly as deep as git does', () => {
    const root = `${tmp.dir}/chain`;
    fs.mkdirSync(root);
    const r0 = `${root}/r0.git`;
    git(['init', '-q', '--bare', r0]);
    const blob = git(['--git-dir', r0, 'hash-object', '-w', '--stdin'], { input: 'borrowed\n' }).trim();
    // r<i> borrows from r<i-1> through a relative path, behind a comment and a blank line.
    for (let i = 1; i <= 7; i++) {
      git(['init', '-q', '--bare', `${root}/r${i}.git`]);
      fs.writeFileSync(`${root}/r${i}.git/objects/info/alternates`, `# borrowed\n\n../../r${i - 1}.git/objects\n`);
    }
    const gitHas = (i: number) => spawnSync('git', ['--git-dir', `${root}/r${i}.git`, 'cat-file', '-e', blob]).status === 0;
    for (let i = 1; i <= 7; i++) {
      const warnings: string[] = [];
      const store = Store.open({ fs, dir: `${root}/r${i}.git`, warn: (m) => warnings.push(m) });
      try {
        let ours: boolean;
        try {
          ours = Buffer.from(store.objects.read(blob, 'blob').data).toString() === 'borrowed\n';
        } catch (e) {
          expect(isMetaError(e, 'NOT_FOUND')).toBe(true);
          ours = false;
        }
        // Six levels deep is still read, the seventh is ignored (and said so), by git and by us.
        expect({ i, ours }).toEqual({ i, ours: gitHas(i) });
        expect({ i, ours }).toEqual({ i, ours: i <= 6 });
        if (i === 7) expect(warnings.join('\n')).toMatch(/nested more than 5 deep/);
        else expect(warnings).toEqual([]);
      } finally {
        store.close();
      }
    }
  });

  it('reads a quoted alternates line and reports a missing alternate instead of failing', () => {
    const root = `${tmp.dir}/quoted`;
    fs.mkdirSync(`${root}/with space`, { recursive: true });
    const base = `${root}/with space/base.git`;
    git(['init', '-q', '--bare', base]);
    const blob = git(['--git-dir', base, 'hash-object', '-w', '--stdin'], { input: 'quoted\n' }).trim();
    const user = `${root}/user.git`;
    git(['init', '-q', '--bare', user]);
    fs.writeFileSync(`${user}/objects/info/alternates`, `${root}/gone.git/objects\n"${base.replace(/ /g, '\\040')}/objects"\n`);
    expect(spawnSync('git', ['--git-dir', user, 'cat-file', '-e', blob]).status).toBe(0);
    const warnings: string[] = [];
    const store = Store.open({ fs, dir: user, warn: (m) => warnings.push(m) });
    try {
      expect(Buffer.from(store.objects.read(blob).data).toString()).toBe('quoted\n');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/does not exist/);
      expect(warnings[0]).not.toContain(root);
    } finally {
      store.close();
    }
  });
});

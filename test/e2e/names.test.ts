import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fsck, git, META_BIN, tempDir } from '../helpers/diskRepo.js';
import { gitBlob, plumbingCommit } from '../helpers/remoteFixtures.js';

/** Runs the built `meta` executable as a user would, on one repository. */
function meta(repo: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [META_BIN, '--repo', repo, ...args], { encoding: 'utf8', env: { ...process.env, META_ACTOR: 'e2e <e2e@example.com>', NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SHA = 'a'.repeat(40);

/**
 * Records are immutable, so a bad name would be a scar forever: every rule refuses before
 * anything is written (the tip does not move), the same way for every entry point.
 */
describe('names that cannot go wrong forever', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo = '';
  const tip = () => git(['--git-dir', repo, 'rev-parse', 'HEAD']).trim();
  /** Runs `meta …`, expecting it to fail with `code` and leave the tip where it was. */
  const refused = (code: number, ...args: string[]) => {
    const before = tip();
    const r = meta(repo, ...args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(code);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(tip()).toBe(before);
    return r.err;
  };

  beforeAll(() => {
    tmp = tempDir('meta-names-');
    repo = `${tmp.dir}/meta`;
    expect(meta(repo, 'init').code).toBe(0);
    expect(meta(repo, 'project', 'add', 'acme/web', '--repo-url', 'https://git.example/acme/web').code).toBe(0);
    expect(meta(repo, 'release', 'record', 'web', '--version', '1.0.0', '--source', `https://git.example/acme/web@${SHA}`).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  describe('projects', () => {
    it('need two segments: `meta project add acme` after acme/web is exit 2', () => {
      expect(refused(2, 'project', 'add', 'acme', '--repo-url', 'https://git.example/acme')).toMatch(/at least two segments/);
      expect(refused(2, 'project', 'add', 'web2', '--repo-url', 'https://git.example/web2')).toMatch(/org\/repo/);
    });

    it('may not contain another project, nor sit inside one', () => {
      expect(meta(repo, 'project', 'add', 'acme/api/server', '--repo-url', 'https://git.example/acme/api').code).toBe(0);
      expect(refused(2, 'project', 'add', 'acme/api', '--repo-url', 'https://git.example/acme/api')).toMatch(/would contain the existing project acme\/api\/server/);
      expect(refused(2, 'project', 'add', 'acme/web/admin', '--repo-url', 'https://git.example/acme/web')).toMatch(/would sit inside project acme\/web/);
      // A sibling is fine.
      expect(meta(repo, 'project', 'add', 'acme/api/worker', '--repo-url', 'https://git.example/acme/api').code).toBe(0);
    });

    it('may not differ from an existing folder only in case, at any level', () => {
      expect(refused(2, 'project', 'add', 'Acme/web', '--repo-url', 'https://git.example/acme/web')).toMatch(/'Acme' differs only in case from the existing acme.*write it as acme\/web/);
      expect(refused(2, 'project', 'add', 'ACME/shop', '--repo-url', 'https://git.example/acme/shop')).toMatch(/differs only in case/);
      expect(refused(2, 'project', 'add', 'acme/Web', '--repo-url', 'https://git.example/acme/web')).toMatch(/'Web' differs only in case from the existing acme\/web/);
      expect(meta(repo, 'project', 'add', 'acme/shop', '--repo-url', 'https://git.example/acme/shop').code).toBe(0);
    });
  });

  describe('channels', () => {
    it('must be declared: a typo is exit 3 with the closest name and how to declare a new one', () => {
      const err = refused(3, 'channel', 'promote', 'web', 'stabel', '1.0.0');
      expect(err).toBe("meta: unknown channel stabel; did you mean stable? declare a new one with 'meta channel add stabel'\n");
      expect(refused(3, 'channel', 'promote', 'web', 'canary', '1.0.0')).toMatch(/unknown channel canary \(declared: stable, beta\); declare a new one with 'meta channel add canary'/);
      expect(meta(repo, 'channel', 'promote', 'web', 'stable', '1.0.0').code).toBe(0);
    });

    it('are declared with `meta channel add`, a commit of meta.yaml that keeps its comments', () => {
      const before = git(['--git-dir', repo, 'show', 'HEAD:meta.yaml']);
      const r = meta(repo, 'channel', 'add', 'canary');
      expect(r.code, r.err).toBe(0);
      const after = git(['--git-dir', repo, 'show', 'HEAD:meta.yaml']);
      expect(after).toContain('channels: [stable, beta, canary]');
      // Every comment line of the template is still there.
      for (const line of before.split('\n').filter((l) => l.startsWith('#'))) expect(after).toContain(line);
      expect(git(['--git-dir', repo, 'log', '-1', '--format=%s'])).toBe('channel add canary\n');
      expect(meta(repo, 'channel', 'promote', 'web', 'canary', '1.0.0').code).toBe(0);
      // Declaring it again writes nothing.
      const again = tip();
      expect(meta(repo, 'channel', 'add', 'canary').out).toMatch(/declared already; nothing written/);
      expect(tip()).toBe(again);
    });

    it('may not differ from a declared or existing channel only in case', () => {
      expect(refused(2, 'channel', 'add', 'Stable')).toMatch(/'Stable' differs only in case from 'stable'/);
      expect(refused(2, 'channel', 'promote', 'web', 'Canary', '1.0.0')).toMatch(/channel Canary differs only in case from the existing channel canary of acme\/web/);
      expect(refused(3, 'channel', 'promote', 'web', 'Beta', '1.0.0')).toMatch(/unknown channel Beta; did you mean beta\?/);
    });

    it('that already have records keep working when meta.yaml does not list them (repositories from before declarations)', () => {
      // A hand-written meta.yaml without any channel list, as an older repository may have.
      const text = git(['--git-dir', repo, 'show', 'HEAD:meta.yaml']).replace(/^channels: .*$/m, '');
      plumbingCommit(repo, { put: { 'meta.yaml': gitBlob(repo, text) } }, 'drop the channel list');
      expect(meta(repo, 'channel', 'promote', 'web', 'canary', '1.0.0', '--force').code).toBe(0); // a no-op: already live
      expect(meta(repo, 'channel', 'rollback', 'web', 'stable').code).toBe(5); // nothing to roll back to, but not "unknown"
      expect(refused(3, 'channel', 'promote', 'web', 'beta', '1.0.0')).toMatch(/unknown channel beta \(meta.yaml declares none\)/);
      expect(meta(repo, 'channel', 'add', 'beta').code).toBe(0);
      expect(git(['--git-dir', repo, 'show', 'HEAD:meta.yaml'])).toMatch(/^channels: \[beta\]$/m);
      expect(meta(repo, 'channel', 'promote', 'web', 'beta', '1.0.0').code).toBe(0);
    });
  });

  describe('environments', () => {
    it('must be declared for instance reports: exit 3 with a suggestion', () => {
      expect(refused(3, 'instance', 'report', 'web', '--host', 'h1', '--env', 'prd', '--status', 'running')).toMatch(/unknown environment prd; did you mean prod\? declare a new one with 'meta env add prd'/);
      expect(refused(3, 'instance', 'report', 'web', '--host', 'h1', '--env', 'prod', '--status', 'running', '--channel', 'stabel')).toMatch(/unknown channel stabel; did you mean stable\?/);
      expect(meta(repo, 'instance', 'report', 'web', '--host', 'h1', '--env', 'prod', '--status', 'running', '--channel', 'stable', '--version', '1.0.0').code).toBe(0);
    });

    it('have one level of personal environments, declared with `meta env add dev/<developer>`', () => {
      expect(refused(3, 'instance', 'report', 'web', '--host', 'laptop', '--env', 'dev/alice', '--status', 'running')).toMatch(/unknown environment dev\/alice.*meta env add dev\/alice/);
      expect(refused(3, 'env', 'add', 'qa/bob')).toMatch(/unknown environment qa .*meta env add qa/);
      expect(refused(2, 'env', 'add', 'dev/alice/x')).toMatch(/one level/);
      expect(refused(2, 'env', 'add', 'dev/secrets')).toMatch(/names a folder of environment dev/);
      expect(refused(2, 'env', 'add', 'dev/ab')).toMatch(/names a folder of environment dev/);
      expect(refused(2, 'env', 'add', 'Dev')).toMatch(/lower-case/);
      const r = meta(repo, 'env', 'add', 'dev/alice');
      expect(r.code, r.err).toBe(0);
      expect(git(['--git-dir', repo, 'show', 'HEAD:meta.yaml'])).toContain('environments: [dev, staging, prod, dev/alice]');
      expect(meta(repo, 'instance', 'report', 'web', '--host', 'laptop', '--env', 'dev/alice', '--status', 'running', '--version', '1.0.0').code).toBe(0);
      const fleet = JSON.parse(meta(repo, 'instances', 'web', '--json').out) as { hosts: { host: string; env: string }[] };
      expect(fleet.hosts.map((h) => `${h.env}/${h.host}`).sort()).toEqual(['dev/alice/laptop', 'prod/h1']);
      const mine = JSON.parse(meta(repo, 'instances', 'web', '--env', 'dev/alice', '--json').out) as { hosts: { host: string }[] };
      expect(mine.hosts.map((h) => h.host)).toEqual(['laptop']);
      expect(JSON.parse(meta(repo, 'instances', 'web', '--env', 'dev', '--json').out).hosts).toEqual([]);
    });
  });

  it('leaves a repository that verify and git fsck --strict accept', () => {
    const v = meta(repo, 'verify');
    expect(v.code, v.out + v.err).toBe(0);
    expect(fsck(repo).status).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { initMeta } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { generateAgeIdentity } from '../../src/secrets/ageKeys.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, git, tmp } from '../helpers/remoteFixtures.js';
import { META_BIN } from '../helpers/diskRepo.js';

const http = useGitHttpServer();

describe('secret and key writes honour --push', () => {
  it('lands `meta secret set --push` and `meta keys add-recipient --push` on the remote', async () => {
    const srv = bareRepo(http.root, 'secrets.git');
    const prod = await generateAgeIdentity();
    const extra = await generateAgeIdentity();
    const dir = `${tmp()}/m`;
    const repo = await initMeta({ dir, env: {}, actor: 't <t@x>', environments: ['prod'], ageRecipients: { prod: [prod.recipient] } } );
    addRemote(repo, 'origin', http.server.url('secrets.git'));
    await push(repo);
    const keyFile = `${tmp()}/key.txt`;
    writeFileSync(keyFile, `${prod.identity}\n`);
    const run = (...args: string[]) => spawnSync(process.execPath, [META_BIN, ...args, '--repo', dir], { encoding: 'utf8', env: { ...process.env, META_ACTOR: 't <t@x>', SOPS_AGE_KEY_FILE: keyFile } });
    const set = run('secret', 'set', 'prod/db', 'password=hunter2', '--push');
    expect(set.stderr).toBe('');
    expect(set.status).toBe(0);
    const remoteTip = git(['--git-dir', srv, 'rev-parse', 'refs/heads/main']).trim();
    expect(git(['--git-dir', dir, 'rev-parse', 'HEAD']).trim()).toBe(remoteTip);
    expect(git(['--git-dir', srv, 'log', '-1', '--format=%s']).trim()).toBe("secret set prod/db (v1, new, keys: password)");
    const add = run('keys', 'add-recipient', 'prod', extra.recipient, '--push');
    expect(add.status).toBe(0);
    expect(git(['--git-dir', srv, 'show', 'refs/heads/main:.sops.yaml'])).toContain(extra.recipient);
    // --no-push stays local.
    const local = run('secret', 'set', 'prod/db', 'user=app', '--no-push');
    expect(local.status).toBe(0);
    expect(git(['--git-dir', srv, 'rev-parse', 'refs/heads/main']).trim()).not.toBe(git(['--git-dir', dir, 'rev-parse', 'HEAD']).trim());
  });
});

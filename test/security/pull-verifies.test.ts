// A remote that moves its branch by one ordinary commit which rewrites a record (no merge, no new
// root: the ancestry check passes) must not be fast-forwarded by `meta pull`: the new commits are
// checked with verify's rules first.
import { describe, expect, it } from 'vitest';
import { addProject, initMeta, recordRelease } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, git, gitBlob, hex40, plumbingCommit, tmp } from '../helpers/remoteFixtures.js';
import { runMeta } from '../helpers/metaProcess.js';

const http = useGitHttpServer();
const env = { META_ACTOR: 'Test <t@example.com>' };

describe('meta pull checks what it brings in', () => {
  it('refuses (exit 6, nothing changed) a remote commit that modifies a record, and still takes honest appends', async () => {
    const srv = bareRepo(http.root, 'edited.git');
    const seed = await initMeta({ dir: `${tmp()}/seed`, env });
    await addProject(seed, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await recordRelease(seed, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
    addRemote(seed, 'origin', http.server.url('edited.git'));
    await push(seed);
    const clone = `${tmp()}/clone`;
    expect((await runMeta(['clone', http.server.url('edited.git'), clone])).code).toBe(0);
    const accepted = git(['--git-dir', clone, 'rev-parse', 'main']).trim();

    // An honest append on the remote is pulled.
    await recordRelease(seed, { project: 'acme/app', version: '1.1.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('b') }] });
    await push(seed);
    let r = await runMeta(['pull', '--repo', clone]);
    expect(r.code, r.stderr).toBe(0);
    const honest = git(['--git-dir', clone, 'rev-parse', 'main']).trim();
    expect(honest).not.toBe(accepted);

    // Someone with write access to the remote swaps the 1.0.0 release record's bytes.
    const path = git(['--git-dir', srv, 'ls-tree', '-r', '--name-only', 'main']).split('\n').find((p) => p.endsWith('/1.0.0/release.pb'))!;
    const edited = plumbingCommit(srv, { put: { [path]: gitBlob(srv, 'forged bytes') } }, 'record acme/app 1.0.0');
    r = await runMeta(['pull', '--repo', clone, '--json']);
    expect(r.code).toBe(6);
    const err = JSON.parse(r.stderr).error;
    expect(err.code).toBe('VERIFY_FAILED');
    expect(err.message).toContain(edited);
    expect(err.message).toContain(`modified ${path}`);
    expect(git(['--git-dir', clone, 'rev-parse', 'main']).trim()).toBe(honest);
    // And again on the next pull: the refusal does not move what was accepted.
    r = await runMeta(['pull', '--repo', clone]);
    expect(r.code).toBe(6);
    expect(git(['--git-dir', clone, 'rev-parse', 'main']).trim()).toBe(honest);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import { Store } from '../../src/store/Store.js';
import { git, tempDir } from '../helpers/diskRepo.js';

const tmp = tempDir('meta-logidx-');
afterAll(() => tmp.cleanup());

const enc = (s: string) => new TextEncoder().encode(s);

// A path can be added twice on one first-parent history: deleted by a commit made with git
// plumbing (what `meta verify` reports), then written again. "Which commit added it" must name the
// newest, and a from-scratch build, an incremental one and a long one must agree.
describe('log index: a path added, deleted with git, and added again', () => {
  it('names the newest adding commit however the index was built', async () => {
    const dir = `${tmp.dir}/repo`;
    const store = Store.init({ fs: nodeFs, dir });
    const append = (path: string, text: string) => store.append(() => ({ files: [{ path, data: enc(text) }], message: `add ${path}` }), { actor: 'T <t@x>' });
    const first = (await append('r/x.pb', 'one')).commit;
    // Enough later commits that a from-scratch build takes the long (text) path past one chunk.
    for (let i = 0; i < 1005; i++) await append(`r/f${i}.pb`, `f${i}`);
    // Delete r/x.pb with plumbing: the tip's tree without it, as a new commit on the branch.
    const tip = store.tip()!;
    const tree = git(['--git-dir', store.dir, 'mktree'], {
      input: git(['--git-dir', store.dir, 'ls-tree', tip]).replace(/^040000 tree ([0-9a-f]{40})\tr$/m, () => {
        const sub = git(['--git-dir', store.dir, 'ls-tree', `${tip}:r`]).split('\n').filter((l) => l && !l.endsWith('\tx.pb')).join('\n');
        return `040000 tree ${git(['--git-dir', store.dir, 'mktree'], { input: `${sub}\n` }).trim()}\tr`;
      }),
    }).trim();
    const deleted = git(['--git-dir', store.dir, 'commit-tree', tree, '-p', tip, '-m', 'delete r/x.pb']).trim();
    git(['--git-dir', store.dir, 'update-ref', 'refs/heads/main', deleted, tip]);
    expect(git(['--git-dir', store.dir, 'ls-tree', '-r', '--name-only', deleted]).split('\n')).not.toContain('r/x.pb');

    // Incremental: the index is brought up to the deletion, then extended by the re-add.
    const incremental = Store.open({ fs: nodeFs, dir });
    expect(incremental.log().addedBy('r/x.pb')?.commit).toBe(first);
    const again = (await Store.open({ fs: nodeFs, dir }).append(() => ({ files: [{ path: 'r/x.pb', data: enc('two') }], message: 'add r/x.pb again' }), { actor: 'T <t@x>' })).commit;
    expect(incremental.log().addedBy('r/x.pb')?.commit).toBe(again);
    expect(Store.open({ fs: nodeFs, dir }).log().addedIn('r/x.pb')).toBe(again); // read back from the cache files

    // From scratch: one long walk over the whole history.
    nodeFs.rmSync(`${store.dir}/meta-cache`, { recursive: true, force: true });
    const scratch = Store.open({ fs: nodeFs, dir }).log();
    expect(scratch.addedBy('r/x.pb')?.commit).toBe(again);
    expect(scratch.entries().find((e) => e.commit === deleted)?.changed).toEqual(['r/x.pb']);
    expect(git(['--git-dir', store.dir, 'log', '-1', '--format=%H', '--diff-filter=A', '--', 'r/x.pb']).trim()).toBe(again);
  });
});

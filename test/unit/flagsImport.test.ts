import { describe, expect, it } from 'vitest';
import { addProject, importFlags, readFlagSet } from '../../src/index.js';
import { asyncCodeOf } from '../helpers/errorCode.js';
import { memRepo } from '../helpers/memRepo.js';

describe('importFlags', () => {
  it("stores flagd's array form of flags as the object form providers read", async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const on = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
    const r = await importFlags(repo, { project: 'acme/app', channel: 'beta', document: JSON.stringify({ flags: [{ key: 'b', ...on }, { key: 'a', ...on }] }) });
    expect(r).toMatchObject({ changed: true, sequence: 1 });
    expect((await readFlagSet(repo, 'acme/app', 'beta')).document).toBe(JSON.stringify({ flags: { a: { defaultVariant: 'on', state: 'ENABLED', variants: { off: false, on: true } }, b: { defaultVariant: 'on', state: 'ENABLED', variants: { off: false, on: true } } } }));
    // The same set in the object form is the same set: nothing written.
    expect(await importFlags(repo, { project: 'acme/app', channel: 'beta', document: JSON.stringify({ flags: { a: on, b: on } }) })).toMatchObject({ changed: false, sequence: 1 });
    expect(await asyncCodeOf(importFlags(repo, { project: 'acme/app', channel: 'beta', document: JSON.stringify({ flags: [{ key: 'a', ...on }, { key: 'a', ...on }] }) }))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(importFlags(repo, { project: 'acme/app', channel: 'beta', document: JSON.stringify({ flags: [on] }) }))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(importFlags(repo, { project: 'acme/app', channel: 'nope', document: JSON.stringify({ flags: {} }) }))).toBe('NOT_FOUND');
  });
});

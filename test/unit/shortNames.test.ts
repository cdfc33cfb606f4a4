import { describe, expect, it } from 'vitest';
import { addProject, listEvents, log, recordRelease } from '../../src/index.js';
import { memRepo, sha } from '../helpers/memRepo.js';
import { codeOf } from '../helpers/errorCode.js';

describe('short project names in the library', () => {
  it('log and listEvents take `app` for acme/app; a full name still to come is kept', async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await addProject(repo, { name: 'acme/web', repoUrl: 'https://git.example/acme/web' });
    await recordRelease(repo, { project: 'app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    expect(log(repo, { project: 'app' }).map((i) => i.subject)).toEqual(['record release acme/app 1.0.0', 'add project acme/app']);
    expect(listEvents(repo, { project: 'app' }).map((e) => `${e.type} ${e.project}`)).toEqual(['project.added acme/app', 'release.recorded acme/app']);
    expect(listEvents(repo, { project: 'acme/later' })).toEqual([]);
    expect(codeOf(() => listEvents(repo, { project: 'nope' }))).toBe('NOT_FOUND');
  });
});

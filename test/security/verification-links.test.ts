import { describe, expect, it } from 'vitest';
import { addProject } from '../../src/api/addProject.js';
import { recordRelease } from '../../src/api/recordRelease.js';
import { recordVerification } from '../../src/api/recordVerification.js';
import { startServer } from '../../src/serve/MetaServer.js';
import { asyncCodeOf } from '../helpers/errorCode.js';
import { memRepo, sha } from '../helpers/memRepo.js';

// A verification's URL is a link people and the dashboard follow; a presigned download link is a
// bearer credential. Both are bounded at the writer's door.
describe('verification links and presigned downloads', () => {
  it('a verification URL is http(s) only: javascript:, data: and file: never enter a record', async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('a') }] });
    const base = { project: 'acme/app', version: '1.0.0', channel: 'stable', name: 'smoke', status: 'passed' as const };
    const before = repo.store.tip();
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>x</script>', 'file:///etc/passwd', 'ftp://ci.example/x', '//ci.example/x', 'https:// ci.example']) {
      expect(await asyncCodeOf(recordVerification(repo, { ...base, url })), url).toBe('INVALID_ARGUMENT');
    }
    expect(repo.store.tip()).toBe(before);
    const ok = await recordVerification(repo, { ...base, url: 'https://ci.example/runs/81' });
    expect(ok.commit).not.toBe(before);
  });

  it('meta serve refuses a presign lifetime outside 1 s to 7 days', async () => {
    const { repo } = await memRepo();
    for (const presignS3Seconds of [0, -1, 1.5, 604_801, Number.NaN]) {
      expect(await asyncCodeOf(startServer({ repo, listen: '127.0.0.1:0', webhooks: false, presignS3Seconds })), String(presignS3Seconds)).toBe('INVALID_ARGUMENT');
    }
    const server = await startServer({ repo, listen: '127.0.0.1:0', webhooks: false, presignS3Seconds: 604_800 });
    await server.close();
  });
});

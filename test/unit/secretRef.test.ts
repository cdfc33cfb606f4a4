import { describe, expect, it } from 'vitest';
import { secretRefAt } from '../../src/api/secretRef.js';
import { addEnvironment } from '../../src/api/addEnvironment.js';
import { memRepo } from '../helpers/memRepo.js';

describe('secret references with personal environments', () => {
  it('reads <env>/<developer>/<name> as the personal environment once it is declared', async () => {
    const { repo } = await memRepo();
    expect(secretRefAt(repo.store.snapshot(), 'dev/alice/db')).toEqual({ env: 'dev', name: 'alice/db' });
    await addEnvironment(repo, { name: 'dev/alice' });
    const snap = repo.store.snapshot();
    expect(secretRefAt(snap, 'dev/alice/db')).toEqual({ env: 'dev/alice', name: 'db' });
    expect(secretRefAt(snap, 'dev/db')).toEqual({ env: 'dev', name: 'db' });
    expect(secretRefAt(snap, 'alice/db', 'dev')).toEqual({ env: 'dev', name: 'alice/db' });
    expect(secretRefAt(snap, 'db', 'dev/alice')).toEqual({ env: 'dev/alice', name: 'db' });
  });
});

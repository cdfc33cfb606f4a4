import { Volume, createFsFromVolume } from 'memfs';
import type { SyncFs } from '../../src/store/fs.js';
import { initMeta } from '../../src/api/initMeta.js';
import type { MetaRepo } from '../../src/api/openMeta.js';

export function memFs(): SyncFs {
  return createFsFromVolume(new Volume()) as unknown as SyncFs;
}

/** A fresh in-memory meta repository. */
export async function memRepo(actor = 'Test <test@example.com>'): Promise<{ repo: MetaRepo; fs: SyncFs }> {
  const fs = memFs();
  const repo = await initMeta({ dir: '/meta', fs, actor, env: {} });
  return { repo, fs };
}

export const sha = (c: string) => c.repeat(40).slice(0, 40);
export const digest = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;

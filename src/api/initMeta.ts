import { fileURLToPath } from 'node:url';
import { MetaError } from '../errors/MetaError.js';
import { checkChannel, checkEnvironment } from '../records/names.js';
import { defaultSopsConfig } from '../secrets/sopsConfig.js';
import type { AppendFile } from '../store/Repository.js';
import { Store } from '../store/Store.js';
import { diskFs } from './diskFs.js';
import { installRecordDiff } from './installRecordDiff.js';
import { wrap, type MetaRepo, type OpenOptions } from './openMeta.js';
import { repositoryDir } from './repositoryDir.js';

export interface InitOptions extends OpenOptions {
  environments?: string[];
  channels?: string[];
  /** Extra files for the first commit (e.g. `.sops.yaml` from the secrets module). */
  extraFiles?: AppendFile[];
  /** Age recipients per environment for the first `.sops.yaml` (one creation rule per environment). */
  ageRecipients?: Record<string, string[]>;
}

/** Where the package's meta-template/ lives (src/api or dist/api → ../../meta-template). */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../meta-template/', import.meta.url));

/** The template's files: part of the installed package, so read from the disk whatever the repository's fs. */
function templateFiles(dir: string, prefix = ''): { path: string; abs: string; executable: boolean }[] {
  const out: { path: string; abs: string; executable: boolean }[] = [];
  for (const name of diskFs.readdirSync(dir).sort()) {
    const abs = `${dir}/${name}`;
    const st = diskFs.statSync(abs);
    if (st.isDirectory()) out.push(...templateFiles(abs, `${prefix}${name}/`));
    else out.push({ path: `${prefix}${name}`, abs, executable: ((st.mode ?? 0) & 0o111) !== 0 });
  }
  return out;
}

/**
 * Creates a meta repository from `meta-template/` in one first commit: a bare git repository
 * (no working tree to go stale; browse it with `git log`, `git show` or any clone).
 *
 * @example
 * const repo = await initMeta({ dir: '/srv/meta', environments: ['dev', 'prod'] });
 */
export async function initMeta(opts: InitOptions = {}): Promise<MetaRepo> {
  const env = opts.env ?? process.env;
  const fs = opts.fs ?? diskFs;
  const dir = repositoryDir(opts.dir, env, fs);
  const environments = (opts.environments ?? ['dev', 'staging', 'prod']).map(checkEnvironment);
  const channels = (opts.channels ?? ['stable', 'beta']).map(checkChannel);
  if (environments.length === 0) throw new MetaError('INVALID_ARGUMENT', 'give at least one environment', {});
  for (const e of Object.keys(opts.ageRecipients ?? {})) {
    if (!environments.includes(e)) throw new MetaError('INVALID_ARGUMENT', `--age names environment ${e}, which is not one of ${environments.join(', ')}`, { env: e });
  }
  // Before anything is created, so a bad recipient or name leaves no half-made repository.
  // A personal environment gets a rule only with keys of its own; without, it uses its environment's.
  const ruled = environments.filter((e) => !e.includes('/') || (opts.ageRecipients?.[e] ?? []).length > 0);
  const sopsYaml = defaultSopsConfig(ruled, opts.ageRecipients);
  const files: AppendFile[] = templateFiles(TEMPLATE_DIR.replace(/\/$/, '')).map((f) => {
    let text = diskFs.readFileSync(f.abs, 'utf8');
    if (f.path === 'meta.yaml') text = text.replace('{{environments}}', `[${environments.join(', ')}]`).replace('{{channels}}', `[${channels.join(', ')}]`);
    return { path: f.path, data: Buffer.from(text), executable: f.executable };
  });
  const { assertValidSettings } = await import('./validateSettings.js');
  assertValidSettings(Buffer.from(files.find((f) => f.path === 'meta.yaml')!.data).toString('utf8'));
  const store = Store.init({ fs, dir, fsyncObjects: opts.fsyncObjects });
  const repo = wrap(store, opts, env);
  files.push(...(opts.extraFiles ?? []));
  if (!files.some((f) => f.path === '.sops.yaml')) files.push({ path: '.sops.yaml', data: Buffer.from(sopsYaml) });
  await store.append(() => ({ files, message: 'init meta repository' }), { actor: repo.actor, time: repo.clock });
  installRecordDiff(store);
  return repo;
}

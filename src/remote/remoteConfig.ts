import { MetaError } from '../errors/MetaError.js';
import type { StoreTransport } from '../store/Repository.js';
import { stripUserinfo } from './credentials.js';
import { SIMPLE_NAME as NAME } from '../records/names.js';

export interface RemoteEntry {
  name: string;
  url: string;
}

/** Where remotes are kept: the repository's git config. */
export type RemoteConfigStore = Pick<StoreTransport, 'readConfig' | 'writeConfig'>;

/**
 * The remotes in the repository's git config (git's own format, so `git remote -v` agrees).
 *
 * @example
 * listRemotes(repo.transport()).map((r) => r.name); // ['origin']
 */
export function listRemotes(config: Pick<StoreTransport, 'readConfig'>): RemoteEntry[] {
  const out: RemoteEntry[] = [];
  let current: RemoteEntry | undefined;
  for (const raw of config.readConfig().split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      const m = /^\[remote\s+"([^"]+)"\]$/.exec(line);
      current = m ? { name: m[1]!, url: '' } : undefined;
      if (current) out.push(current);
    } else if (current) {
      const m = /^url\s*=\s*(.*)$/.exec(line);
      if (m) current.url = m[1]!.replace(/^"(.*)"$/, '$1');
    }
  }
  return out;
}

/**
 * The URL of a remote; NOT_FOUND names the remotes there are.
 *
 * @example
 * remoteUrl(repo.transport(), 'origin'); // 'https://git.example.com/acme/meta.git'
 */
export function remoteUrl(config: Pick<StoreTransport, 'readConfig'>, name: string): string {
  const all = listRemotes(config);
  const r = all.find((x) => x.name === name);
  if (!r || !r.url) {
    throw new MetaError('NOT_FOUND', `no remote '${name}' in this repository${all.length ? ` (there is ${all.map((x) => x.name).join(', ')})` : ''}; add one with 'meta remote add ${name} <url>'`, { remote: name });
  }
  return r.url;
}

/**
 * Adds a remote. Credentials in the URL are dropped (they must come from the environment or a
 * credential helper), so the config never holds a secret; `droppedCredentials` says so.
 *
 * @example
 * addRemote(repo.transport(), 'origin', 'https://git.example.com/acme/meta.git', 'main');
 */
export function addRemote(config: RemoteConfigStore, name: string, url: string, branch: string): { name: string; url: string; droppedCredentials: boolean } {
  if (!NAME.test(name)) throw new MetaError('INVALID_NAME', `'${name}' is not a valid remote name (letters, digits, '.', '_', '-')`, { remote: name });
  const clean = stripUserinfo(url);
  if (listRemotes(config).some((r) => r.name === name)) {
    throw new MetaError('ALREADY_EXISTS', `remote '${name}' already exists; pick another name`, { remote: name });
  }
  let text = config.readConfig();
  if (text && !text.endsWith('\n')) text += '\n';
  text += `[remote "${name}"]\n\turl = ${clean.url}\n\tfetch = +refs/heads/${branch}:refs/remotes/${name}/${branch}\n`;
  config.writeConfig(text);
  return { name, url: clean.url, droppedCredentials: clean.credentials !== undefined };
}

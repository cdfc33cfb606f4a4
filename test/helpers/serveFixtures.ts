import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { initMeta } from '../../src/api/initMeta.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { addProject, promote, recordBinary, recordRelease } from '../../src/index.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { tempDir } from './diskRepo.js';
import { startServe, type ServeProcess } from './metaProcess.js';
import { readMetaSettings } from '../../src/api/readMetaSettings.js';
import { stringify } from 'yaml';

export const sha = (c: string) => c.repeat(40).slice(0, 40);
export const sha256 = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A disk repository with acme/app and nothing promoted. */
export async function diskRepo(dir: string, actor = 'test <test@example.com>'): Promise<MetaRepo> {
  const repo = await initMeta({ dir: `${dir}/meta`, actor, env: {} });
  await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  return repo;
}

/** Records release `version` with one linux/amd64 binary whose bytes are `content`, served from `url`. */
export async function releaseWithBinary(repo: MetaRepo, version: string, content: string, url: string, c = 'a'): Promise<void> {
  await recordRelease(repo, { project: 'acme/app', version, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
  await recordBinary(repo, { project: 'acme/app', version, platform: 'linux/amd64', digest: sha256(content), size: Buffer.byteLength(content), urls: [url] });
}

/** Merges `extra` into meta.yaml (a settings file: it may change in place; history keeps every version). */
export async function setSettings(repo: MetaRepo, extra: Record<string, unknown>): Promise<string> {
  const cur = readMetaSettings(repo.store.snapshot());
  const text = `# boot-meta repository settings\n${stringify({ ...cur, ...extra })}`;
  const r = await repo.store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from(text), replace: true }], message: 'settings' }), { actor: repo.actor });
  return r.commit;
}

/** A static file server for binaries on 127.0.0.1 (`/name` → `<root>/name`). */
export async function fileServer(root: string): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, '');
    const path = `${root}/${name}`;
    if (name.includes('..') || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size, 'content-type': 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

export function writeFile(path: string, content: string): void {
  writeFileSync(path, content);
}

/**
 * A real `meta serve` on a disk repository where acme/app 1.0.0 (one linux/amd64 binary) is live
 * on stable, with a `records` token and a `reports` token: the start of every test that writes
 * over HTTP as a token holder.
 */
export async function servedWithTokens(prefix: string, tokens: { records: string; reports: string }): Promise<{ dir: string; serve: ServeProcess; cleanup(): Promise<void> }> {
  const tmp = tempDir(prefix);
  const repo = await diskRepo(tmp.dir);
  const dir = repo.dir;
  await releaseWithBinary(repo, '1.0.0', 'one', 'https://dl.example/app-1.0.0');
  await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
  await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(tokens.records), scopes: ['records'] }, { name: 'fleet', sha256: hashToken(tokens.reports), scopes: ['reports'] }] } });
  repo.close();
  const serve = await startServe(dir, ['--no-webhooks']);
  return {
    dir,
    serve,
    async cleanup() {
      await serve.stop();
      tmp.cleanup();
    },
  };
}

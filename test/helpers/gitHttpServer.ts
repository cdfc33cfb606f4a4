import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { cleanupTmp, tmp } from './remoteFixtures.js';

export interface GitHttpServerOptions {
  /** Directory holding the bare repositories; `url('x.git')` serves `<root>/x.git`. */
  root: string;
  /** When set, every request must carry these HTTP basic credentials (else 401). */
  auth?: { username: string; password: string };
  /**
   * Git config given to `git http-backend` in the command-line scope, which git trusts for
   * settings a repository's own config may not make (`uploadpack.packObjectsHook`).
   */
  config?: Record<string, string>;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<repoName>` */
  url(repoName: string): string;
  /** The Authorization headers the server has seen so far (credential tests check what clients sent). */
  readonly authHeaders: string[];
  /** `<METHOD> <url>` of every request so far. */
  readonly requests: string[];
  /** Stops the server: kills any running CGI, closes connections, waits for the process to exit. */
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./gitHttpServerProcess.mjs', import.meta.url));

/**
 * Serves bare repositories over git's smart-HTTP protocol with the real `git http-backend` CGI
 * (Debian git), on 127.0.0.1 and a free port. Pushes are enabled (`http.receivepack`) and hooks of
 * the served repositories run as on any git server. The server runs in its own process, so a test
 * may call `execFileSync('git', …)` against it without deadlocking its own event loop.
 *
 * @example
 * const server = await startGitHttpServer({ root: tmp, auth: { username: 'ci', password: 's3cret' } });
 * execFileSync('git', ['clone', server.url('meta.git'), dir]);
 * await server.close();
 */
export async function startGitHttpServer(opts: GitHttpServerOptions): Promise<GitHttpServer> {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const authHeaders: string[] = [];
  const requests: string[] = [];
  let buf = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`git http server exited early (${code})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('listening ')) resolve(Number(line.slice(10)));
        else if (line.startsWith('auth ')) authHeaders.push(line.slice(5));
        else if (line.startsWith('req ')) requests.push(line.slice(4));
      }
    });
  });
  return {
    url: (name: string) => `http://127.0.0.1:${port}/${name.replace(/^\/+/, '')}`,
    authHeaders,
    requests,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * Starts one server for a test file (before all its tests) and stops it and removes the temporary
 * directories afterwards. `server` and `root` are filled in once the file's tests run.
 */
export function useGitHttpServer(opts: Omit<GitHttpServerOptions, 'root'> = {}): { server: GitHttpServer; root: string } {
  const ctx = {} as { server: GitHttpServer; root: string };
  beforeAll(async () => {
    ctx.root = tmp();
    ctx.server = await startGitHttpServer({ ...opts, root: ctx.root });
  });
  afterAll(async () => {
    await ctx.server?.close();
    cleanupTmp();
  });
  return ctx;
}

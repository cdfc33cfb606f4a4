import { createRequire } from 'node:module';
import { MetaError } from '../errors/MetaError.js';

/** HTTP basic credentials for one remote. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Splits credentials out of a URL (`https://user:token@host/x.git`): the URL that may be stored
 * or printed, and the credentials that may only be used.
 */
export function stripUserinfo(url: string): { url: string; credentials?: Credentials } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MetaError('INVALID_ARGUMENT', `'${scrubUrl(url)}' is not a URL; give an http(s) URL of a git repository`, { url: scrubUrl(url) });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MetaError('INVALID_ARGUMENT', `${u.protocol} remotes are not supported; give an http(s) URL (smart HTTP: GitHub, GitLab, Gitea, git http-backend)`, { url: scrubUrl(url) });
  }
  if (!u.username && !u.password) return { url };
  const credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), credentials };
}

/** Replaces the userinfo of every URL in `text` with `***`. */
export function scrubUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

/**
 * Where credentials come from, first match wins:
 * 1. credentials in the URL given on the command line (used, never stored);
 * 2. `$META_GIT_TOKEN` (sent as the password; user `$META_GIT_USERNAME`, default `x-access-token`,
 *    which GitHub accepts and GitLab/Gitea ignore for tokens);
 * 3. `$META_GIT_USERNAME` + `$META_GIT_PASSWORD`;
 * 4. `$META_GIT_CREDENTIAL_HELPER`: a command speaking git's credential-helper protocol
 *    (`<cmd> get`, `protocol=`/`host=`/`path=` on stdin, `username=`/`password=` on stdout).
 */
export function credentialsFor(url: string, env: Record<string, string | undefined>, fromUrl?: Credentials): Credentials | undefined {
  if (fromUrl) return fromUrl;
  if (env.META_GIT_TOKEN) return { username: env.META_GIT_USERNAME || 'x-access-token', password: env.META_GIT_TOKEN };
  if (env.META_GIT_USERNAME && env.META_GIT_PASSWORD) return { username: env.META_GIT_USERNAME, password: env.META_GIT_PASSWORD };
  if (env.META_GIT_CREDENTIAL_HELPER) return fromHelper(env.META_GIT_CREDENTIAL_HELPER, url, env);
  return undefined;
}

function fromHelper(command: string, url: string, env: Record<string, string | undefined>): Credentials | undefined {
  const u = new URL(url);
  const input = `protocol=${u.protocol.slice(0, -1)}\nhost=${u.host}\npath=${u.pathname.replace(/^\//, '')}\n\n`;
  // Loaded here, not at the top: every hot CLI command bundles this module, few use a helper.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const r = spawnSync('/bin/sh', ['-c', `${command} get`], { input, encoding: 'utf8', env: env as NodeJS.ProcessEnv, timeout: 30_000 });
  if (r.status !== 0) {
    throw new MetaError('AUTH', `the credential helper ($META_GIT_CREDENTIAL_HELPER) failed with status ${r.status ?? r.signal}; run it by hand with 'get' to see why`, { status: r.status });
  }
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out.password !== undefined ? { username: out.username ?? '', password: out.password } : undefined;
}

/** The `Authorization` header for credentials. */
export function authHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/**
 * Removes every trace of the credentials from a message: the secrets themselves, their base64
 * header form, and userinfo in URLs. Every error that crosses the remote layer goes through it.
 */
export function scrubSecrets(text: string, c: Credentials | undefined): string {
  let out = scrubUrl(text);
  if (c) {
    const secrets = [c.password, authHeader(c).slice(6), encodeURIComponent(c.password)].filter((s) => s.length >= 3);
    for (const s of secrets) out = out.split(s).join('***');
  }
  return out;
}

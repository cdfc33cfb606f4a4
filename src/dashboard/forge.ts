/**
 * Links to a source repository's web pages, only for http(s) URLs of a known kind of forge
 * (GitHub, GitLab, Bitbucket, Codeberg/Forgejo, Gitea); anything else stays plain text, so a
 * record can never make the dashboard link to `javascript:` or a look-alike page of its choosing.
 */
export type ForgeKind = 'github' | 'gitlab' | 'bitbucket' | 'gitea';

export interface Forge {
  kind: ForgeKind;
  /** The repository's web page (no credentials, no `.git`). */
  base: string;
}

function kindOf(host: string): ForgeKind | undefined {
  if (host === 'github.com' || host.startsWith('github.')) return 'github';
  if (host === 'gitlab.com' || host.startsWith('gitlab.') || host.includes('.gitlab.')) return 'gitlab';
  if (host === 'bitbucket.org' || host.startsWith('bitbucket.')) return 'bitbucket';
  if (host === 'codeberg.org' || host.startsWith('gitea.') || host.startsWith('forgejo.') || host.includes('.gitea.')) return 'gitea';
  return undefined;
}

/**
 * The forge a repository URL belongs to, or undefined when it is not an http(s) URL of a known forge.
 *
 * @example
 * forgeOf('https://github.com/acme/app.git') // { kind: 'github', base: 'https://github.com/acme/app' }
 */
export function forgeOf(url: string): Forge | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  if (u.username || u.password) return undefined;
  const kind = kindOf(u.hostname.toLowerCase());
  if (!kind) return undefined;
  const path = u.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  // At least owner/repo, each a plain path segment.
  if (!/^(\/[A-Za-z0-9._~-]+){2,}$/.test(path)) return undefined;
  return { kind, base: `${u.protocol}//${u.host}${path}` };
}

const HEX = /^[0-9a-f]{7,64}$/;

/**
 * The web page of one commit, or undefined.
 *
 * @example
 * commitUrl('https://gitlab.com/acme/app', 'abc1234') // 'https://gitlab.com/acme/app/-/commit/abc1234'
 */
export function commitUrl(repoUrl: string, commit: string): string | undefined {
  const f = forgeOf(repoUrl);
  if (!f || !HEX.test(commit)) return undefined;
  switch (f.kind) {
    case 'gitlab': return `${f.base}/-/commit/${commit}`;
    case 'bitbucket': return `${f.base}/commits/${commit}`;
    default: return `${f.base}/commit/${commit}`;
  }
}

/**
 * The web page comparing two commits of one repository, or undefined.
 *
 * @example
 * compareUrl('https://github.com/acme/app', 'a1b2c3d', 'e4f5a6b') // 'https://github.com/acme/app/compare/a1b2c3d...e4f5a6b'
 */
export function compareUrl(repoUrl: string, from: string, to: string): string | undefined {
  const f = forgeOf(repoUrl);
  if (!f || !HEX.test(from) || !HEX.test(to)) return undefined;
  switch (f.kind) {
    case 'gitlab': return `${f.base}/-/compare/${from}...${to}`;
    case 'bitbucket': return `${f.base}/branches/compare/${to}%0D${from}`;
    default: return `${f.base}/compare/${from}...${to}`;
  }
}

/** An http(s) URL that may be shown as a link (a binary's download location), else undefined. */
export function httpUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password ? u.href : undefined;
  } catch {
    return undefined;
  }
}

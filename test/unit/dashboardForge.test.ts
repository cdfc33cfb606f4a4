// The dashboard links a source repository only when its URL is http(s) on a known kind of forge;
// every other value a record may hold (another scheme, credentials, a path that is not
// owner/repo) stays text.
import { describe, expect, it } from 'vitest';
import { commitUrl, compareUrl, forgeOf, httpUrl } from '../../src/dashboard/forge.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('dashboard forge links', () => {
  it('links commits and ranges on GitHub, GitLab, Bitbucket, Codeberg and Gitea by their own patterns', () => {
    expect(commitUrl('https://github.com/acme/app.git', A)).toBe(`https://github.com/acme/app/commit/${A}`);
    expect(commitUrl('https://gitlab.com/acme/group/app', A)).toBe(`https://gitlab.com/acme/group/app/-/commit/${A}`);
    expect(commitUrl('https://bitbucket.org/acme/app', A)).toBe(`https://bitbucket.org/acme/app/commits/${A}`);
    expect(commitUrl('https://codeberg.org/acme/app/', A)).toBe(`https://codeberg.org/acme/app/commit/${A}`);
    expect(commitUrl('https://gitea.example.com/acme/app', A)).toBe(`https://gitea.example.com/acme/app/commit/${A}`);
    expect(compareUrl('https://github.com/acme/app', A, B)).toBe(`https://github.com/acme/app/compare/${A}...${B}`);
    expect(compareUrl('https://gitlab.com/acme/app', A, B)).toBe(`https://gitlab.com/acme/app/-/compare/${A}...${B}`);
    expect(compareUrl('https://bitbucket.org/acme/app', A, B)).toBe(`https://bitbucket.org/acme/app/branches/compare/${B}%0D${A}`);
  });

  it('never links other schemes, credentials, unknown hosts, odd paths or non-hex commits', () => {
    for (const url of ['javascript:alert(1)//github.com/a/b', 'data:text/html,<script>', 'git@github.com:acme/app.git', 'ssh://git@github.com/acme/app',
      'https://user:pw@github.com/acme/app', 'https://github.com/acme', 'https://github.com/acme/<script>', 'https://example.com/acme/app', 'file:///etc/passwd', 'not a url']) {
      expect(forgeOf(url), url).toBeUndefined();
      expect(commitUrl(url, A), url).toBeUndefined();
    }
    expect(commitUrl('https://github.com/acme/app', 'HEAD"><script>')).toBeUndefined();
    expect(compareUrl('https://github.com/acme/app', A, '../../x')).toBeUndefined();
  });

  it('links binary locations only when they are http(s) without credentials', () => {
    expect(httpUrl('https://dl.example.com/app')).toBe('https://dl.example.com/app');
    for (const url of ['s3://bucket/app', 'file:///srv/app', 'javascript:alert(1)', 'https://u:p@dl.example.com/app', '']) expect(httpUrl(url), url).toBeUndefined();
  });
});

export { mulberry32 } from '../helpers/random.js';

export function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

/** Values an attacker or a typo sends: traversal, refs, dates, numbers, Unicode, sizes. */
export const HOSTILE_STRINGS: readonly string[] = [
  '', ' ', '.', '..', '../../../../etc/passwd', '/etc/passwd', 'refs/../../../../etc/passwd', 'refs/heads/../../../config',
  '/dev/zero', 'HEAD', '@', '@{-1}', 'main~99999', 'HEAD^{tree}', 'main:meta.yaml', 'nonsense', '1970-01-01', '2026-02-30',
  '9999-12-31T23:59:59Z', '2026-11-24T25:61:00Z', '-1', '0', 'NaN', 'Infinity', '1e309', '18446744073709551617',
  '0x10', 'linux', 'linux/', '/amd64', 'linux/amd64/x/y', 'LINUX/AMD64', 'linux/amd64', 'acme/app', 'app', 'acme', 'stable',
  'Stable', 'a/../b', 'a//b', 'a\\b', 'a\u0000b', 'a\nb', 'a\rb', '\u202e', '\ufeff', '\ud800', '\udfff', 'x\ud83d', '💩',
  'a'.repeat(300), 'é'.repeat(200), 'sha256:', 'sha256:' + 'g'.repeat(64), 'sha256:' + 'a'.repeat(63), 'sha256:' + 'a'.repeat(64),
  'https://user:pass@example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'http://169.254.169.254/latest',
  '<script>alert(1)</script>', '${HOME}', '$(id)', '`id`', '%s%s%n', '{{7*7}}', '__proto__', 'constructor', 'toString',
];

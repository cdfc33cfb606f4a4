import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ before any test runs. The e2e and integration tests start the real `meta` binary,
 * which runs dist/: without this, `npx vitest run` after a source change would test the previous
 * build and pass or fail for the wrong reason.
 */
export default function buildDist(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

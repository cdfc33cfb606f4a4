import { MetaError } from '../errors/MetaError.js';

const SEGMENT_BAD = /[\0-\x1f\x7f\\]/;

/**
 * Checks a repository path is one git and every tool can hold: no empty, '.', '..' or '.git'
 * segments, no control characters or backslashes. Returns the segments.
 *
 * @example
 * assertRepoPath('projects/acme/app/project.pb'); // ['projects', 'acme', 'app', 'project.pb']
 */
export function assertRepoPath(path: string): string[] {
  const parts = path.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git' || SEGMENT_BAD.test(p)) {
      throw new MetaError('INVALID_NAME', `'${path}' is not a valid repository path (empty, '.', '..', '.git' or control characters in a segment)`, { path });
    }
  }
  return parts;
}

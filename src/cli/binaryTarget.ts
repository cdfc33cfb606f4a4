import { MetaError } from '../errors/MetaError.js';
import type { BinaryTarget } from '../api/binaryLocations.js';

/** `<project> <version> --platform p` or `sha256:<digest>`: the two ways to name a binary. */
export function binaryTarget(project: string, version: string | undefined, platform: string | undefined): BinaryTarget {
  if (project.startsWith('sha256:')) {
    if (version !== undefined || platform !== undefined) throw new MetaError('INVALID_ARGUMENT', 'name the binary either by sha256:<digest>, or by <project> <version> --platform p, not both', {});
    return { digest: project };
  }
  if (version === undefined || platform === undefined) throw new MetaError('INVALID_ARGUMENT', 'name the binary as <project> <version> --platform os/arch, or as sha256:<digest>', {});
  return { project, version: String(version), platform };
}

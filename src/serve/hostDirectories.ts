import { realpathSync } from 'node:fs';

/** The given directories and their real paths (what error messages may name), without duplicates. */
export function hostDirectories(dirs: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    if (!d) continue;
    out.add(d.replace(/\/+$/, ''));
    try {
      out.add(realpathSync(d));
    } catch { /* not there (yet) */ }
  }
  return [...out].filter((d) => d.length > 1);
}

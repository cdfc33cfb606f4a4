import type { ObjectReader } from './ObjectReader.js';
import type { TreeEntry } from './gitObjects.js';

/**
 * The repository as of one commit: every read of a resolution goes through one snapshot, so two
 * reads at the same commit always agree.
 *
 * @example
 * const snap = repository.snapshot(repository.resolveAt('2026-03-01'));
 * const bytes = snap.read('projects/acme/app/project.pb');
 */
export class Snapshot {
  constructor(
    private readonly objects: ObjectReader,
    /** The commit id, or undefined for the empty repository before its first commit. */
    readonly commit: string | undefined,
    readonly tree: string | undefined,
  ) {}

  /** The tree entry at `path` ('' is the root), or undefined. */
  entry(path: string): TreeEntry | undefined {
    if (!this.tree) return undefined;
    if (path === '') return { mode: '40000', name: '', oid: this.tree };
    let oid = this.tree;
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      const e = findEntry(this.objects.readTree(oid), parts[i]!);
      if (!e) return undefined;
      if (i === parts.length - 1) return e;
      if (e.mode !== '40000') return undefined;
      oid = e.oid;
    }
    return undefined;
  }

  exists(path: string): boolean {
    return this.entry(path) !== undefined;
  }

  /** The bytes of the file at `path`, or undefined when there is no file there. */
  read(path: string): Uint8Array | undefined {
    const e = this.entry(path);
    if (!e || e.mode === '40000') return undefined;
    return this.objects.read(e.oid, 'blob').data;
  }

  /** The entries of the directory at `path`, in git's order; empty when it does not exist. */
  list(path: string): TreeEntry[] {
    const e = this.entry(path);
    if (!e || e.mode !== '40000') return [];
    return this.objects.readTree(e.oid);
  }

  /** Every file below `path`, as full paths, depth-first in git's order. */
  *walk(path: string): Generator<{ path: string; oid: string }> {
    for (const e of this.list(path)) {
      const p = path === '' ? e.name : `${path}/${e.name}`;
      if (e.mode === '40000') yield* this.walk(p);
      else yield { path: p, oid: e.oid };
    }
  }

  readBlob(oid: string): Uint8Array {
    return this.objects.read(oid, 'blob').data;
  }
}

const byName = new WeakMap<readonly TreeEntry[], Map<string, TreeEntry>>();

/** Name lookup in a parsed tree; the name index is built once per (immutable, cached) tree. */
export function findEntry(entries: readonly TreeEntry[], name: string): TreeEntry | undefined {
  if (entries.length < 16) return entries.find((e) => e.name === name);
  let m = byName.get(entries);
  if (!m) {
    m = new Map(entries.map((e) => [e.name, e]));
    byName.set(entries, m);
  }
  return m.get(name);
}

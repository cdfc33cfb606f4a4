import { canonicalJson } from './canonicalJson.js';

/** How one flag differs between two versions of a flag set. */
export interface FlagChange {
  key: string;
  status: 'added' | 'removed' | 'changed';
  /** For `changed`: the top-level fields of the flag that differ (state, variants, defaultVariant, targeting, metadata). */
  fields?: string[];
}

/** The differences between two flag sets, by flag key; `sets` lists changed set-level parts ($evaluators, metadata). */
export interface FlagSetChanges {
  flags: FlagChange[];
  sets: string[];
}

type Doc = { flags?: Record<string, Record<string, unknown>> } & Record<string, unknown>;

const parse = (text: string): Doc => (text ? (JSON.parse(text) as Doc) : { flags: {} });
const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/**
 * What changed from one flag set to another (both flagd JSON, e.g. two stored versions): flags
 * added, removed or changed (with the fields that changed), and set-level parts
 * (`$evaluators`, `metadata`) that changed. Keys sorted.
 *
 * @example
 * diffFlagDocuments('{"flags":{}}', doc).flags // [{ key: 'new-ui', status: 'added' }]
 */
export function diffFlagDocuments(before: string, after: string): FlagSetChanges {
  const a = parse(before);
  const b = parse(after);
  const fa = a.flags ?? {};
  const fb = b.flags ?? {};
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
  const flags: FlagChange[] = [];
  for (const key of keys) {
    const x = Object.hasOwn(fa, key) ? fa[key] : undefined;
    const y = Object.hasOwn(fb, key) ? fb[key] : undefined;
    if (x === undefined) flags.push({ key, status: 'added' });
    else if (y === undefined) flags.push({ key, status: 'removed' });
    else if (!same(x, y)) {
      const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort().filter((f) => !same(x[f], y[f]));
      flags.push({ key, status: 'changed', fields });
    }
  }
  const sets = ['$evaluators', 'metadata'].filter((p) => !same(a[p], b[p]));
  return { flags, sets };
}

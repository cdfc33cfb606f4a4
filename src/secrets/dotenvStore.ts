/**
 * The dotenv store: `KEY=value` lines, all values strings, newlines escaped as `\n`.
 *
 * There is no nesting, so sops flattens its metadata block into `sops_*` keys
 * (`sops_age__list_0__map_enc`), sorted, with empty lists left out.
 * Comment lines are dropped (sops would encrypt them; they are not part of the MAC).
 */
import { MetaError } from '../errors/MetaError.js';
import type { LoadedEncrypted, SopsStore } from './store.js';
import type { SopsMap } from './tree.js';

const SOPS_PREFIX = 'sops_';
const MAP_SEP = '__map_';
const LIST_SEP = '__list_';

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${prefix}${LIST_SEP}${i}`, into));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, `${prefix}${MAP_SEP}${k}`, into);
  } else {
    into.set(prefix, value);
  }
}

type Token = { map: string } | { list: number };

function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  const re = /__(map|list)_/g;
  let last = 0;
  let kind: 'root' | 'map' | 'list' = 'root';
  const push = (end: number): void => {
    const text = path.slice(last, end);
    tokens.push(kind === 'list' ? { list: Number(text) } : { map: text });
  };
  for (let m = re.exec(path); m; m = re.exec(path)) {
    push(m.index);
    kind = m[1] as 'map' | 'list';
    last = m.index + m[0].length;
  }
  push(path.length);
  return tokens;
}

function unflatten(flat: Map<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of flat) {
    const tokens = tokenize(path);
    let node: Record<string, unknown> | unknown[] = root;
    tokens.forEach((token, i) => {
      const next = tokens[i + 1];
      const key = 'map' in token ? token.map : token.list;
      const container = node as Record<string | number, unknown>;
      if (!next) {
        container[key] = value;
        return;
      }
      container[key] ??= 'list' in next ? [] : {};
      node = container[key] as Record<string, unknown> | unknown[];
    });
  }
  return root;
}

function parseLines(text: string): SopsMap {
  const branch: SopsMap = { type: 'map', items: [] };
  text.split('\n').forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new MetaError('INVALID_ARGUMENT', `cannot read dotenv: line ${index + 1} has no "=": use KEY=value lines`, { line: index + 1 });
    branch.items.push({ key: line.slice(0, eq), value: { type: 'str', value: line.slice(eq + 1).replace(/\\n/g, '\n') } });
  });
  return branch;
}

function valueText(branch: SopsMap): string {
  return branch.items
    .map((item) => {
      const v = item.value;
      if (v.type === 'map' || v.type === 'list') {
        throw new MetaError('INVALID_ARGUMENT', `dotenv files cannot hold nested values (key ${item.key}): use YAML or JSON`, { key: item.key });
      }
      const text = v.type === 'null' ? '' : v.type === 'bytes' ? Buffer.from(v.value).toString('utf8') : v.type === 'bool' ? String(v.value) : String(v.value);
      return `${item.key}=${text.replace(/\n/g, '\\n')}\n`;
    })
    .join('');
}

/** dotenv files (`.env`). */
export const dotenvStore: SopsStore = {
  format: 'dotenv',
  loadEncrypted(text): LoadedEncrypted {
    const all = parseLines(text);
    const data: SopsMap = { type: 'map', items: [] };
    const flat = new Map<string, unknown>();
    for (const item of all.items) {
      if (item.key.startsWith(SOPS_PREFIX)) flat.set(item.key.slice(SOPS_PREFIX.length), item.value.type === 'str' ? item.value.value : null);
      else data.items.push(item);
    }
    if (flat.size === 0) return { branches: [data], metadata: undefined };
    const metadata = unflatten(flat);
    if (metadata['shamir_threshold'] !== undefined) metadata['shamir_threshold'] = Number(metadata['shamir_threshold']);
    return { branches: [data], metadata };
  },
  loadPlain(input) {
    return [parseLines(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'))];
  },
  emitEncrypted(branches, metadata) {
    const flat = new Map<string, unknown>();
    for (const [key, value] of metadata) flatten(value, key, flat);
    const lines = [...flat.keys()]
      .sort()
      .filter((k) => flat.get(k) !== null && flat.get(k) !== undefined)
      .map((k) => `${SOPS_PREFIX}${k}=${String(flat.get(k)).replace(/\n/g, '\\n')}\n`);
    return valueText(branches[0]!) + lines.join('');
  },
  emitPlain(branches) {
    return valueText(branches[0]!);
  },
};

/**
 * The YAML store: ordered maps, typed scalars, several documents per file, output in go-yaml's
 * style with the 4-space indent sops uses.
 *
 * Comments are not kept: sops encrypts them as `#ENC[…]` lines, which are not part of the MAC,
 * so ignoring them on read is safe, and files boot-meta writes simply have none.
 */
import { LineCounter, Pair, Scalar, YAMLMap, YAMLSeq, Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import type { LoadedEncrypted, SopsStore } from './store.js';
import { toPlain, type SopsMap, type SopsNode } from './tree.js';

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);

/**
 * Whether go-yaml would read `s`, written plain, as something other than a string; such strings
 * are double-quoted, as go-yaml writes them (e.g. `lastmodified: "2024-03-25T22:08:10Z"`).
 */
function goYamlWouldRetype(s: string): boolean {
  if (OLD_BOOLS.has(s)) return true;
  if (/^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/.test(s)) return true;
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s)) return true;
  if (s.includes('_')) {
    const plain = s.replace(/_/g, '');
    if (/^[-+]?(?:0b[01]+|0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+)$/.test(plain)) return true;
    if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(plain)) return true;
  }
  return false;
}

/**
 * The input may be secret plaintext, so errors say what and where, never quote it (the YAML
 * library's own messages include the offending line, so they are not passed on, not even as a
 * `cause`).
 */
function invalid(message: string, at?: { line: number; col: number }): MetaError {
  const where = at ? ` at line ${at.line}, column ${at.col}` : '';
  return new MetaError('INVALID_ARGUMENT', `cannot read YAML: ${message}${where}; fix the file and retry`, at ? { line: at.line, column: at.col } : {});
}

/**
 * Aliases are expanded into the tree, so a few lines of nested aliases (a "billion laughs" file)
 * could expand into billions of nodes; past this many expansions the file is refused.
 */
const MAX_ALIAS_EXPANSIONS = 10_000;

/** One document being converted: where its nodes sit, and the aliases expanded so far. */
interface Ctx {
  doc: Document.Parsed;
  lines: LineCounter;
  aliases: number;
}

function position(ctx: Ctx, node: unknown): { line: number; col: number } | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? ctx.lines.linePos(range[0]) : undefined;
}

function fromYaml(node: unknown, ctx: Ctx): SopsNode {
  if (node === null || node === undefined) return { type: 'null' };
  if (isAlias(node)) {
    if (++ctx.aliases > MAX_ALIAS_EXPANSIONS) throw invalid(`more than ${MAX_ALIAS_EXPANSIONS} alias expansions`);
    const target = node.resolve(ctx.doc);
    // sops refuses an alias without its anchor; it must not silently become null.
    if (target === undefined) throw invalid('an alias names no anchor defined before it', position(ctx, node));
    return fromYaml(target, ctx);
  }
  if (isMap(node)) {
    const out: SopsMap = { type: 'map', items: [] };
    for (const pair of node.items) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? keyNode.value : keyNode;
      if (key !== null && typeof key === 'object') throw invalid('complex (non-scalar) map keys are not supported', position(ctx, keyNode));
      out.items.push({ key: String(key), value: fromYaml(pair.value, ctx) });
    }
    return out;
  }
  if (isSeq(node)) return { type: 'list', items: node.items.map((item) => fromYaml(item, ctx)) };
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return { type: 'null' };
    if (typeof v === 'boolean') return { type: 'bool', value: v };
    if (typeof v === 'bigint') return { type: 'int', value: v };
    if (typeof v === 'number') return { type: 'float', value: v };
    if (v instanceof Uint8Array) return { type: 'str', value: Buffer.from(v).toString('utf8') };
    return { type: 'str', value: String(v) };
  }
  throw invalid('unsupported YAML node', position(ctx, node));
}

/** Parses every document of `text` into a branch. */
function parseBranches(text: string): SopsMap[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { intAsBigInt: true, uniqueKeys: true, lineCounter: lines });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw invalid(err.code.toLowerCase().replace(/_/g, ' '), err.linePos?.[0]);
  }
  return docs.map((doc) => {
    const ctx: Ctx = { doc, lines, aliases: 0 };
    const root = fromYaml(doc.contents, ctx);
    if (root.type === 'null') return { type: 'map', items: [] };
    if (root.type !== 'map') throw invalid('the top level of each document must be a map', position(ctx, doc.contents));
    return root;
  });
}

function toYaml(node: SopsNode): YamlNode {
  switch (node.type) {
    case 'map': {
      const map = new YAMLMap();
      for (const item of node.items) map.items.push(new Pair(stringScalar(item.key), toYaml(item.value)));
      return map;
    }
    case 'list': {
      const seq = new YAMLSeq();
      seq.items = node.items.map(toYaml);
      return seq;
    }
    case 'null':
      return new Scalar(null);
    case 'str':
      return stringScalar(node.value);
    case 'bytes':
      return stringScalar(Buffer.from(node.value).toString('utf8'));
    case 'float': {
      const s = new Scalar(node.value);
      // Keep a whole-number float a float when read back (`1.0`, not `1`).
      if (Number.isInteger(node.value)) s.minFractionDigits = 1;
      return s;
    }
    default:
      return new Scalar(node.value);
  }
}

function stringScalar(value: string): Scalar {
  const s = new Scalar(value);
  if (goYamlWouldRetype(value)) s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

function plainToYaml(value: unknown): YamlNode {
  if (value === null || value === undefined) return new Scalar(null);
  if (typeof value === 'string') return stringScalar(value);
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map(plainToYaml);
    return seq;
  }
  if (typeof value === 'object') {
    const map = new YAMLMap();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) map.items.push(new Pair(stringScalar(k), plainToYaml(v)));
    return map;
  }
  return new Scalar(value);
}

const LIST_KEYS = new Set(['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'age', 'pgp']);

function render(root: YamlNode): string {
  const doc = new Document();
  doc.contents = root as Document['contents'];
  return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0 });
}

/** YAML files (`.yaml`, `.yml`). */
export const yamlStore: SopsStore = {
  format: 'yaml',
  loadEncrypted(text: string): LoadedEncrypted {
    const branches = parseBranches(text);
    let metadata: unknown;
    for (const branch of branches) {
      const index = branch.items.findIndex((item) => item.key === 'sops');
      if (index < 0) continue;
      // Every document carries a copy of the block; sops reads the first.
      metadata ??= toPlain(branch.items[index]!.value);
      branch.items.splice(index, 1);
    }
    return { branches, metadata };
  },
  loadPlain(input: string | Uint8Array): SopsMap[] {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    const branches = parseBranches(text);
    return branches.length === 0 ? [{ type: 'map', items: [] }] : branches;
  },
  emitEncrypted(branches, metadata): string {
    const block = new YAMLMap();
    for (const [key, value] of metadata) {
      const node = value === null && LIST_KEYS.has(key) ? new YAMLSeq() : plainToYaml(value);
      block.items.push(new Pair(stringScalar(key), node));
    }
    return branches
      .map((branch) => {
        const root = toYaml(branch) as YAMLMap;
        root.items.push(new Pair(stringScalar('sops'), block));
        return render(root);
      })
      .join('---\n');
  },
  emitPlain(branches): string {
    return branches.map((branch) => (branch.items.length === 0 ? '{}\n' : render(toYaml(branch)))).join('---\n');
  },
};

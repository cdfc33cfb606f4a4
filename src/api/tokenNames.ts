import { isMap, isSeq } from 'yaml';

/** The names of the tokens in meta.yaml's `serve.tokens` node (none when it is not a list). */
export function tokenNames(seq: unknown): string[] {
  return isSeq(seq) ? seq.items.map((i) => (isMap(i) ? String(i.get('name')) : '')) : [];
}

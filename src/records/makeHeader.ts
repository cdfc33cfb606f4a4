import { SCHEMA_VERSION } from './codec.js';
import type { Header, Label, RecordKind } from './types.js';

/** The common header for a record written now by `actor`. */
export function makeHeader(kind: RecordKind, actor: string, when: Date, labels: Label[] = []): Header {
  return { schemaVersion: SCHEMA_VERSION, kind, createdAt: when.toISOString(), actor, labels };
}

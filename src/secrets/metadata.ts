/**
 * The `sops` metadata block: age recipients with their wrapped data keys, `lastmodified`, the
 * encrypted MAC, the encryption rules and `version`.
 *
 * Files are written in the layout of sops 3.9 (the key order of its `stores.Metadata` struct,
 * `kms`/`pgp`… present even when empty) and stamped {@link SOPS_VERSION}; the layout changed
 * in later releases but every sops 3.x reads both. Key types boot-meta does not handle (kms, pgp,
 * gcp_kms, azure_kv, hc_vault) and unknown keys are carried through unchanged.
 */
import { MetaError } from '../errors/MetaError.js';
import type { EncryptionRules } from './rules.js';

/** The sops version boot-meta writes into files: the newest release whose metadata layout it copies. */
export const SOPS_VERSION = '3.9.2';

/** One age recipient and the data key encrypted to it (an armored age file). */
export interface AgeKeyEntry {
  recipient: string;
  enc: string;
}

/** Parsed metadata. */
export interface SopsMetadata {
  age: AgeKeyEntry[];
  /** As stored (RFC 3339); it is the MAC's additional data. */
  lastModified: string;
  /** The encrypted MAC (`ENC[…]`). */
  mac: string;
  version: string;
  rules: EncryptionRules;
  /** True when the file used comment rules, so plaintext values may appear anywhere. */
  commentRules: boolean;
  /** Every other metadata key, in file order, kept verbatim for re-writing. */
  other: Map<string, unknown>;
}

const MASTER_KEY_LISTS = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'pgp'] as const;
const RULE_KEYS: ReadonlyArray<readonly [string, keyof EncryptionRules]> = [
  ['unencrypted_suffix', 'unencryptedSuffix'],
  ['encrypted_suffix', 'encryptedSuffix'],
  ['unencrypted_regex', 'unencryptedRegex'],
  ['encrypted_regex', 'encryptedRegex'],
  ['unencrypted_comment_regex', 'unencryptedCommentRegex'],
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function damaged(what: string): MetaError {
  return new MetaError('INVALID_ARGUMENT', `not a readable SOPS file: ${what}; check that the file is complete and was written by sops or boot-meta`, { reason: what });
}

/**
 * Reads the metadata block (already parsed from YAML/JSON/dotenv into plain values).
 *
 * @example
 * const meta = parseMetadata(YAML.parse(text).sops);
 * meta.age.map((a) => a.recipient);
 */
export function parseMetadata(raw: unknown): SopsMetadata {
  if (!isRecord(raw)) throw damaged('the top-level "sops" metadata key is missing');
  const other = new Map<string, unknown>();
  let age: unknown = raw['age'];
  for (const [key, value] of Object.entries(raw)) {
    if (['age', 'lastmodified', 'mac', 'version', 'mac_only_encrypted', 'key_groups'].includes(key)) continue;
    if (RULE_KEYS.some(([k]) => k === key)) continue;
    other.set(key, value);
  }
  const groups = raw['key_groups'];
  if (Array.isArray(groups) && groups.length > 0) {
    const hasTopLevel = Array.isArray(age) && age.length > 0 || MASTER_KEY_LISTS.some((k) => Array.isArray(raw[k]) && (raw[k] as unknown[]).length > 0);
    if (!hasTopLevel) {
      if (groups.length > 1) {
        throw new MetaError('INVALID_ARGUMENT', 'this file splits its data key across several key groups (Shamir), which boot-meta does not support: decrypt it with sops', {});
      }
      // One group is what sops itself writes as top-level lists, so flatten it the same way.
      const group = groups[0];
      if (!isRecord(group)) throw damaged('a key group is not a map');
      age = group['age'];
      for (const k of MASTER_KEY_LISTS) if (group[k] !== undefined) other.set(k, group[k]);
    } else {
      other.set('key_groups', groups);
    }
  }
  const ageList = age === undefined || age === null ? [] : age;
  if (!Array.isArray(ageList)) throw damaged('sops.age is not a list');
  const entries: AgeKeyEntry[] = ageList.map((entry, i) => {
    if (!isRecord(entry) || typeof entry['recipient'] !== 'string' || typeof entry['enc'] !== 'string') {
      throw damaged(`sops.age[${i}] needs a recipient and an enc string`);
    }
    return { recipient: entry['recipient'], enc: entry['enc'] };
  });
  // A missing MAC or lastmodified (the MAC's additional data) is not a format error but a file
  // that cannot be verified: as in sops, they read as empty and the MAC check on every decrypt
  // fails with MAC_MISMATCH, so stripping them is reported as the tampering it is.
  const lastModified = raw['lastmodified'] ?? '';
  const mac = raw['mac'] ?? '';
  if (typeof lastModified !== 'string') throw damaged('sops.lastmodified is not a string');
  if (typeof mac !== 'string') throw damaged('sops.mac is not a string');
  const rules: EncryptionRules = {};
  for (const [key, name] of RULE_KEYS) {
    const v = raw[key];
    if (typeof v === 'string' && v !== '') (rules as Record<string, unknown>)[name] = v;
  }
  const macOnly = raw['mac_only_encrypted'];
  rules.macOnlyEncrypted = macOnly === true || macOnly === 'true';
  const commentRules = rules.unencryptedCommentRegex !== undefined || (typeof raw['encrypted_comment_regex'] === 'string' && raw['encrypted_comment_regex'] !== '');
  return {
    age: entries,
    lastModified,
    mac,
    version: typeof raw['version'] === 'string' ? raw['version'] : String(raw['version'] ?? ''),
    rules,
    commentRules,
    other,
  };
}

/**
 * True when the file also holds data keys for key types boot-meta cannot re-encrypt.
 *
 * @example
 * if (hasForeignMasterKeys(meta)) throw new Error('rotate this file with sops');
 */
export function hasForeignMasterKeys(meta: SopsMetadata): boolean {
  return MASTER_KEY_LISTS.some((k) => {
    const v = meta.other.get(k);
    return Array.isArray(v) && v.length > 0;
  }) || meta.other.has('key_groups');
}

/**
 * The metadata as ordered `[key, value]` pairs in sops 3.9's layout; empty key lists are `null`
 * (each store renders them as sops does: `[]` in YAML, `null` in JSON, omitted in dotenv).
 *
 * @example
 * const block = Object.fromEntries(metadataEntries(meta));
 */
export function metadataEntries(meta: SopsMetadata): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const take = (key: string): unknown => {
    const v = meta.other.get(key);
    return v === undefined ? null : v;
  };
  if (meta.other.has('shamir_threshold')) out.push(['shamir_threshold', meta.other.get('shamir_threshold')]);
  if (meta.other.has('key_groups')) out.push(['key_groups', meta.other.get('key_groups')]);
  for (const k of ['kms', 'gcp_kms', 'azure_kv', 'hc_vault'] as const) out.push([k, take(k)]);
  out.push(['age', meta.age.length === 0 ? null : meta.age.map((a) => ({ recipient: a.recipient, enc: a.enc }))]);
  out.push(['lastmodified', meta.lastModified]);
  out.push(['mac', meta.mac]);
  out.push(['pgp', take('pgp')]);
  for (const [key, name] of RULE_KEYS) {
    const v = meta.rules[name];
    if (typeof v === 'string' && v !== '') out.push([key, v]);
  }
  if (meta.other.has('encrypted_comment_regex')) out.push(['encrypted_comment_regex', meta.other.get('encrypted_comment_regex')]);
  if (meta.rules.macOnlyEncrypted) out.push(['mac_only_encrypted', true]);
  const known = new Set(['shamir_threshold', 'key_groups', ...MASTER_KEY_LISTS, 'encrypted_comment_regex']);
  for (const [k, v] of meta.other) if (!known.has(k)) out.push([k, v]);
  out.push(['version', meta.version]);
  return out;
}

/**
 * Formats a time as sops writes `lastmodified`: RFC 3339 in UTC, whole seconds.
 *
 * @example
 * formatLastModified(new Date('2024-03-25T22:08:10.123Z')) // '2024-03-25T22:08:10Z'
 */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The additional data sops authenticates the MAC with: `lastmodified` re-formatted by Go's
 * `time.RFC3339` (a zero offset prints as `Z`, fractions are dropped).
 *
 * @example
 * macAdditionalData('2024-03-25T22:08:10+00:00') // '2024-03-25T22:08:10Z'
 */
export function macAdditionalData(lastModified: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(lastModified);
  if (!m) return lastModified;
  const zone = m[2]!.toUpperCase();
  return m[1] + (zone === '+00:00' || zone === '-00:00' ? 'Z' : zone);
}

/**
 * `.sops.yaml` creation rules: which age recipients a new secret at a path is encrypted for.
 *
 * boot-meta keeps one rule per environment (`path_regex: ^envs/<env>/secrets/.*`), so a dev key
 * is never a recipient of a prod secret. Edits go through the YAML document, so comments and
 * rules added by hand survive, and return the new file text: the repository is append-only, the
 * caller writes it as a new version.
 */
import { YAMLMap, YAMLSeq, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import { assertX25519Recipient } from './ageKeys.js';
import type { EncryptionRules } from './rules.js';

/** One creation rule (the fields boot-meta uses; others are kept in `raw`). */
export interface CreationRule {
  pathRegex?: string;
  /** Age recipients, split from sops' comma-separated string (or list). */
  age: string[];
  rules: EncryptionRules;
  /** The whole rule as parsed, including keys boot-meta ignores (pgp, kms, key_groups…). */
  raw: Record<string, unknown>;
}

/** A parsed `.sops.yaml`. */
export interface SopsConfig {
  creationRules: CreationRule[];
}

function configError(message: string): MetaError {
  return new MetaError('INVALID_ARGUMENT', `.sops.yaml: ${message}`, {});
}

function splitRecipients(v: unknown): string[] {
  const parts = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  return parts.map((s) => s.trim()).filter((s) => s !== '');
}

function parseDoc(text: string): Document.Parsed {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) throw configError(`${err.message}; fix the YAML`);
  return doc;
}

/**
 * Parses `.sops.yaml`.
 *
 * @example
 * const config = parseSopsConfig(readFileSync('.sops.yaml', 'utf8'));
 */
export function parseSopsConfig(text: string): SopsConfig {
  const js = parseDoc(text).toJS() as unknown;
  if (js === null || js === undefined) return { creationRules: [] };
  if (typeof js !== 'object' || Array.isArray(js)) throw configError('the top level must be a map with creation_rules');
  const list = (js as Record<string, unknown>)['creation_rules'] ?? [];
  if (!Array.isArray(list)) throw configError('creation_rules must be a list');
  return {
    creationRules: list.map((raw, i) => {
      if (typeof raw !== 'object' || raw === null) throw configError(`creation_rules[${i}] must be a map`);
      const r = raw as Record<string, unknown>;
      const pathRegex = r['path_regex'] ?? r['filename_regex'];
      const str = (k: string): string | undefined => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined);
      const rules: EncryptionRules = {};
      if (str('unencrypted_suffix')) rules.unencryptedSuffix = str('unencrypted_suffix')!;
      if (str('encrypted_suffix')) rules.encryptedSuffix = str('encrypted_suffix')!;
      if (str('unencrypted_regex')) rules.unencryptedRegex = str('unencrypted_regex')!;
      if (str('encrypted_regex')) rules.encryptedRegex = str('encrypted_regex')!;
      if (r['mac_only_encrypted'] === true) rules.macOnlyEncrypted = true;
      const rule: CreationRule = { age: splitRecipients(r['age']), rules, raw: r };
      if (typeof pathRegex === 'string') rule.pathRegex = pathRegex;
      return rule;
    }),
  };
}

/**
 * The rule sops would apply to `filePath` (relative to the repository root, `/` separators):
 * the first whose `path_regex` matches, or a rule without one.
 *
 * @example
 * findCreationRule(config, 'envs/prod/secrets/db.sops.yaml')?.age // ['age1…']
 */
export function findCreationRule(config: SopsConfig, filePath: string): CreationRule | undefined {
  return config.creationRules.find((rule) => rule.pathRegex === undefined || new RegExp(rule.pathRegex).test(filePath));
}

/**
 * The `path_regex` boot-meta uses for an environment's secrets.
 *
 * @example
 * envPathRegex('prod') // '^envs/prod/secrets/.*'
 * envPathRegex('dev/alice') // '^envs/dev/alice/secrets/.*' (a personal environment's own rule)
 */
export function envPathRegex(env: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/.test(env)) {
    throw new MetaError('INVALID_ARGUMENT', `environment name ${JSON.stringify(env)} may only use letters, digits, ".", "_" and "-" (and one "/" for a personal environment, env/developer)`, { env });
  }
  return `^envs/${env.replace(/\./g, '\\.')}/secrets/.*`;
}

/**
 * The initial `.sops.yaml` for a list of environments, one rule each; `recipients` gives each
 * environment's age keys (an environment without keys gets an empty `age` to fill in later).
 *
 * @example
 * defaultSopsConfig(['dev', 'prod'], { dev: ['age1dev…'], prod: ['age1prod…'] })
 */
export function defaultSopsConfig(envs: readonly string[], recipients: Readonly<Record<string, readonly string[]>> = {}): string {
  const lines = ['# Written by boot-meta: one rule per environment, read by sops and `meta secret`.', 'creation_rules:'];
  for (const env of envs) {
    const keys = recipients[env] ?? [];
    keys.forEach(assertX25519Recipient);
    lines.push(`    - path_regex: ${envPathRegex(env)}`, `      age: "${keys.join(',')}"`);
  }
  if (envs.length === 0) lines[1] = 'creation_rules: []';
  return lines.join('\n') + '\n';
}

function envRuleNode(doc: Document.Parsed, env: string): { rules: YAMLSeq; rule: YAMLMap | undefined } {
  let rules = doc.get('creation_rules', true);
  if (rules === undefined || rules === null || (isScalar(rules) && rules.value === null)) {
    rules = new YAMLSeq();
    if (doc.contents === null) doc.contents = new YAMLMap() as Document.Parsed['contents'];
    doc.set('creation_rules', rules);
  }
  if (!isSeq(rules)) throw configError('creation_rules must be a list');
  const wanted = envPathRegex(env);
  const rule = rules.items.find((item): item is YAMLMap => isMap(item) && item.get('path_regex') === wanted);
  return { rules, rule };
}

function setRecipients(rule: YAMLMap, recipients: string[]): void {
  rule.set('age', recipients.join(','));
}

/**
 * Adds an age recipient to an environment's rule (creating the rule if missing) and returns the
 * new file text; adding a key that is already there returns the text unchanged.
 *
 * @example
 * const next = addRecipient(current, 'prod', 'age1new…'); // append `next` as a new version
 */
export function addRecipient(text: string, env: string, recipient: string): string {
  assertX25519Recipient(recipient);
  const doc = parseDoc(text);
  const { rules, rule } = envRuleNode(doc, env);
  if (!rule) {
    const created = new YAMLMap();
    created.set('path_regex', envPathRegex(env));
    created.set('age', recipient);
    rules.items.push(created);
    return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 });
  }
  const current = splitRecipients(rule.toJSON()['age']);
  if (current.includes(recipient)) return text;
  setRecipients(rule, [...current, recipient]);
  return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 });
}

/**
 * Removes an age recipient from an environment's rule and returns the new file text. Removing
 * the last recipient is refused: sops cannot create a file without keys.
 *
 * @example
 * const next = removeRecipient(current, 'prod', 'age1old…'); // then updateKeys + rotateDataKey
 */
export function removeRecipient(text: string, env: string, recipient: string): string {
  const doc = parseDoc(text);
  const { rule } = envRuleNode(doc, env);
  const current = rule ? splitRecipients(rule.toJSON()['age']) : [];
  if (!rule || !current.includes(recipient)) {
    throw new MetaError('NOT_FOUND', `${recipient} is not a recipient of environment ${env}: list them with \`meta keys ls ${env}\``, { env, recipient });
  }
  if (current.length === 1) {
    throw new MetaError('INVALID_ARGUMENT', `${recipient} is the last recipient of environment ${env}: add the new key first, then remove this one`, { env, recipient });
  }
  setRecipients(rule, current.filter((r) => r !== recipient));
  return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 });
}

/**
 * age X25519 identities (`AGE-SECRET-KEY-1…`) and recipients (`age1…`): generating, validating,
 * and reading key files in age-keygen's format.
 *
 * Only X25519 is accepted: the post-quantum and tag recipients of `age-encryption` are not
 * readable by age 1.1 or by sops, and a secret nobody's tools can open is lost.
 */
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { MetaError } from '../errors/MetaError.js';

const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const X25519_IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/** A generated key pair. */
export interface AgeKeyPair {
  /** Secret: `AGE-SECRET-KEY-1…`. Never store it in a meta repository. */
  identity: string;
  /** Public: `age1…`, what `.sops.yaml` lists. */
  recipient: string;
}

/**
 * Generates a new X25519 identity and its recipient.
 *
 * @example
 * const { identity, recipient } = await generateAgeIdentity();
 * writeFileSync(path, formatKeyFile({ identity, recipient }), { mode: 0o600 });
 */
export async function generateAgeIdentity(): Promise<AgeKeyPair> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/**
 * The recipient of an X25519 identity.
 *
 * @example
 * await recipientOf('AGE-SECRET-KEY-1QXRV…') // 'age1je6kjh…'
 */
export async function recipientOf(identity: string): Promise<string> {
  assertX25519Identity(identity, 'identity');
  return identityToRecipient(identity);
}

/**
 * True for a well-formed X25519 recipient (`age1` + 58 bech32 characters).
 *
 * @example
 * isX25519Recipient('age1pq1…') // false: post-quantum recipients are refused
 */
export function isX25519Recipient(recipient: string): boolean {
  return X25519_RECIPIENT.test(recipient);
}

/**
 * Throws INVALID_ARGUMENT unless `recipient` is an X25519 age recipient.
 *
 * @example
 * assertX25519Recipient(process.argv[3]!);
 */
export function assertX25519Recipient(recipient: string): void {
  if (!isX25519Recipient(recipient)) {
    // Quote only what looks like a public recipient: a private key given by mistake (or any
    // other secret) must not be echoed into terminals and logs.
    const shown = /^age1[0-9a-z]*$/.test(recipient) ? JSON.stringify(recipient.slice(0, 80)) : 'the value given';
    throw new MetaError(
      'INVALID_ARGUMENT',
      `${shown} is not an X25519 age recipient: pass an "age1…" key of 62 characters as printed by \`meta keys generate\` or age-keygen (post-quantum and plugin recipients are not supported)`,
      shown === 'the value given' ? {} : { recipient },
    );
  }
}

function assertX25519Identity(identity: string, source: string): void {
  if (!X25519_IDENTITY.test(identity)) {
    throw new MetaError('INVALID_ARGUMENT', `${source} does not hold an X25519 age identity ("AGE-SECRET-KEY-1…"): generate one with \`meta keys generate\``, { source });
  }
}

/**
 * Reads the identities of an age key file (or `$SOPS_AGE_KEY`): blank lines and `#` comments
 * are skipped, every other line must be an X25519 identity. Errors name the line, never its
 * content, since it may be a secret.
 *
 * @example
 * parseKeyFile(readFileSync(keyFile, 'utf8'), keyFile) // ['AGE-SECRET-KEY-1…', …]
 */
export function parseKeyFile(text: string, source: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!X25519_IDENTITY.test(line)) {
      throw new MetaError(
        'INVALID_ARGUMENT',
        `${source} line ${index + 1} is not an X25519 age identity: key files hold "AGE-SECRET-KEY-1…" lines and # comments only (plugin and post-quantum identities are not supported)`,
        { source, line: index + 1 },
      );
    }
    identities.push(line);
  });
  return identities;
}

/**
 * Formats a key file as age-keygen writes it.
 *
 * @example
 * formatKeyFile(pair, new Date()) // '# created: …\n# public key: age1…\nAGE-SECRET-KEY-1…\n'
 */
export function formatKeyFile(pair: AgeKeyPair, created: Date = new Date()): string {
  return `# created: ${created.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
}

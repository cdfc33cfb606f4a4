/**
 * SOPS files with age recipients: boot-meta's own reader and writer, compatible with `sops` 3.x.
 */
export { generateAgeIdentity, recipientOf, isX25519Recipient, assertX25519Recipient, parseKeyFile, formatKeyFile, type AgeKeyPair } from './ageKeys.js';
export { wrapDataKey, unwrapDataKey } from './dataKeyWrap.js';
export { findIdentities, defaultKeyFile, type FoundIdentity, type FindIdentitiesOptions } from './findIdentities.js';
export { parseSopsConfig, findCreationRule, envPathRegex, defaultSopsConfig, addRecipient, removeRecipient, type CreationRule, type SopsConfig } from './sopsConfig.js';
export {
  encryptDocument,
  encryptTree,
  decryptDocument,
  decryptDocumentBytes,
  decryptTree,
  rotateDataKey,
  updateKeys,
  readMetadata,
  storeFor,
  type EncryptOptions,
  type DecryptedDocument,
} from './sopsFile.js';
export { detectFormat, type SopsFormat, type SopsStore } from './store.js';
export { computeMac } from './computeMac.js';
export { normalizeRules, shouldEncrypt, DEFAULT_UNENCRYPTED_SUFFIX, type EncryptionRules } from './rules.js';
export { parseMetadata, metadataEntries, formatLastModified, SOPS_VERSION, type SopsMetadata, type AgeKeyEntry } from './metadata.js';
export { encryptScalar, decryptScalar, additionalData, parseEncryptedValue, isEncryptedValue } from './cipher.js';
export { formatGoFloat } from './scalarText.js';
export {
  mapLeaves,
  setValue,
  setPairs,
  deleteValue,
  getValue,
  str,
  emptyMap,
  toPlain,
  fromPlain,
  type SopsNode,
  type SopsMap,
  type SopsList,
  type SopsScalar,
  type SopsMapItem,
  type PlainValue,
} from './tree.js';

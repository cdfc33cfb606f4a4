/**
 * boot-meta: deployment metadata in an append-only git repository of protobuf records.
 *
 * @example
 * import { initMeta, addProject, recordRelease, recordBinary, promote, resolveBinary } from 'boot-meta';
 * const repo = await initMeta({ dir: '/tmp/meta' });
 * await addProject(repo, { name: 'acme/app', repoUrl: 'https://github.com/acme/app' });
 */
export { MetaError, EXIT_CODES, isMetaError, type MetaErrorCode } from './errors/MetaError.js';
export { openMeta, type MetaRepo, type OpenOptions } from './api/openMeta.js';
export { initMeta, type InitOptions } from './api/initMeta.js';
export { addProject, type AddProjectOptions, type AddProjectResult } from './api/addProject.js';
export { recordRelease, parseSourceSpec, parseImportSpec, type RecordReleaseOptions, type RecordReleaseResult } from './api/recordRelease.js';
export { recordBinary, type RecordBinaryOptions, type RecordBinaryResult } from './api/recordBinary.js';
export { promote, type PromoteOptions } from './api/promote.js';
export { rollback, type RollbackOptions } from './api/rollback.js';
export type { PromotionResult } from './api/writePromotion.js';
export { showChannel, channelHistory, listChannels, type ChannelView, type HistoryEntry } from './api/channels.js';
export { resolveBinary, type ResolveBinaryOptions, type ResolvedBinary } from './api/resolveBinary.js';
export { resolveSource, type ResolvedSource } from './api/resolveSource.js';
export { diffChannel, type ChannelDiff } from './api/diffChannel.js';
export { showRecord, type ShownRecord } from './api/showRecord.js';
export { log, type LogItem } from './api/log.js';
export { listProjects } from './api/listProjects.js';
export { Store, type AppendFile, type AppendPlan, type AppendResult } from './store/Store.js';
export { encodeRecord, decodeRecord, decodeAs, messageName } from './records/codec.js';
export type * from './records/types.js';
export { setSecret, type SetSecretOptions, type SetSecretResult } from './api/secretsSet.js';
export { getSecret, type GetSecretOptions, type SecretValue } from './api/secretsGet.js';
export { listSecrets, secretHistory, type SecretListing, type SecretVersionInfo } from './api/secretsList.js';
export { rotateSecret, type RotateSecretResult } from './api/secretsRotate.js';
export { updateSecretKeys, type UpdateKeysItem, type UpdateKeysResult } from './api/secretsUpdatekeys.js';
export { decryptSecretFile, encryptSecretFile, findSopsRuleFor } from './api/secretsFile.js';
export { parseSecretRef, checkSecretName } from './api/secretsPaths.js';
export type { IdentityOptions } from './api/secretsIdentities.js';
export { generateKeys, type GeneratedKeys } from './api/keysGenerate.js';
export { listRecipients, addEnvRecipient, removeEnvRecipient, type EnvRecipients, type RecipientChangeResult } from './api/keysRecipients.js';
export * as secrets from './secrets/index.js';
export { listEvents, eventsOfEntry, matchesEvent, EVENT_TYPES, type MetaEventOut, type EventType, type EventFilter, type ListEventsOptions } from './api/events.js';
export { reportInstance, type ReportInstanceOptions, type ReportInstanceResult } from './api/reportInstance.js';
export { listInstances, formatFleetLine, type InstancesView, type InstanceView, type ChannelFleet } from './api/instances.js';
export { startServer, MetaServer, type ServeOptions } from './serve/MetaServer.js';
export { GroupCommitter } from './serve/GroupCommitter.js';
export { hashToken } from './serve/serveTokens.js';
export { follow, type FollowOptions, type FollowResult, type FollowState } from './follow/follow.js';
export { LocalSource, ServerSource, type FollowSource } from './follow/followSources.js';
export { installRelease } from './follow/installRelease.js';
export { downloadVerified } from './follow/downloadVerified.js';
export { watchLocal, watchServer } from './watch/watchEvents.js';
export { RefWatcher } from './watch/RefWatcher.js';
export { WebhookDispatcher } from './webhooks/WebhookDispatcher.js';
export { listDeliveries, verifySignature, signBody, type DeliveryRecord } from './webhooks/deliveryLog.js';
export { cloneMeta, type CloneMetaOptions } from './api/cloneMeta.js';
export { addRemote, listRemotes, type RemoteEntry } from './api/remotes.js';
export { pull, type PullOptions, type PullResult } from './api/pull.js';
export { push, type PushOptions, type PushResult } from './api/push.js';
export { setAutoPush, appendWithPolicy, type PushPolicy } from './api/autoPush.js';
export { verify, type VerifyOptions, type VerifyReport, type Violation, type ViolationKind } from './api/verify.js';
export { installHooks } from './api/installHooks.js';

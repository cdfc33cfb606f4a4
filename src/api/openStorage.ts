import { BlobStorage } from '../storage/BlobStorage.js';
import type { MetaRepo } from './openMeta.js';
import { readMetaSettings } from './readMetaSettings.js';
import { readStorageSettings } from './storageSettings.js';

/**
 * The storage of a repository: S3 configured by the environment (the AWS credential chain,
 * `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`) and by `storage.s3.endpoint` of meta.yaml at the tip.
 *
 * @example
 * const storage = openStorage(repo);
 * await storage.stat('s3://eu-builds/acme/app/1.4.2/linux/amd64');
 */
export function openStorage(repo: MetaRepo, env: Record<string, string | undefined> = process.env): BlobStorage {
  let endpoint: string | undefined;
  try {
    endpoint = readStorageSettings(readMetaSettings(repo.store.snapshot())).s3Endpoint;
  } catch {
    endpoint = undefined;
  }
  return new BlobStorage({ s3: { endpoint, env } });
}

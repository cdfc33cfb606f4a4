import type { S3Client } from '@aws-sdk/client-s3';
import { MetaError } from '../errors/MetaError.js';

/** How boot-meta reaches S3: configured the way AWS tools are, plus meta.yaml's `storage.s3`. */
export interface S3Config {
  /** `storage.s3.endpoint` of meta.yaml: an S3-compatible server (MinIO, Ceph, s3rver…). */
  endpoint?: string;
  /** The environment the credential chain, region and endpoint variables are read from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Credentials given directly (a library caller's own); default: the AWS credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The endpoint in force: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else meta.yaml's (the machine's own setting wins). */
export function s3Endpoint(cfg: S3Config): string | undefined {
  const env = cfg.env ?? process.env;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || cfg.endpoint || undefined;
}

let filterInstalled = false;

/**
 * The SDK announces on Node 20 that its releases after early 2027 need Node 22, through
 * `process.emitWarning`. That is the SDK's concern, not the user's: such warnings never reach
 * the CLI's output. Every other warning passes through unchanged.
 */
function silenceSdkWarnings(): void {
  if (filterInstalled) return;
  filterInstalled = true;
  const original = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning?.message ?? '';
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type ?? '';
    if (/NodeVersionSupportWarning|AWS SDK for JavaScript|aws-sdk/i.test(`${type} ${text}`)) return;
    original(warning, ...rest);
  }) as typeof process.emitWarning;
}

/**
 * Creates an S3 client, importing the SDK only now (it is large; `meta resolve` never loads it).
 * Credentials and region come from the standard AWS chain (environment, shared files, SSO, IMDS);
 * a region is required by the signer, so `us-east-1` stands in when none is configured, as most
 * S3-compatible servers expect. With an endpoint set, buckets are addressed path-style
 * (`http://host/bucket/key`), which every S3-compatible server understands.
 *
 * @example
 * const s3 = await createS3Client({ endpoint: 'http://127.0.0.1:9000' });
 */
export async function createS3Client(cfg: S3Config): Promise<S3Client> {
  silenceSdkWarnings();
  const env = cfg.env ?? process.env;
  const endpoint = s3Endpoint(cfg);
  if (endpoint !== undefined) {
    let u: URL;
    try {
      u = new URL(endpoint);
    } catch {
      throw new MetaError('INVALID_ARGUMENT', 'the S3 endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or storage.s3.endpoint) is not a URL; write it as http(s)://host[:port]', {});
    }
    if (!/^https?:$/.test(u.protocol) || u.username || u.password) {
      throw new MetaError('INVALID_ARGUMENT', 'the S3 endpoint must be an http(s) URL without credentials', {});
    }
  }
  const { S3Client } = await import('@aws-sdk/client-s3');
  const make = (region: string | undefined) => new S3Client({
    region,
    ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
    ...(endpoint !== undefined ? { endpoint, forcePathStyle: true } : {}),
    // boot-meta verifies every copy by its sha-256 itself; the SDK's extra CRC trailers would
    // only break S3-compatible servers that do not decode aws-chunked bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries belong to the replicator (backoff with jitter across the whole copy).
    maxAttempts: 2,
  });
  const client = make(env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  try {
    // The profile's region (~/.aws/config), when there is one.
    await client.config.region();
    return client;
  } catch {
    client.destroy();
    return make('us-east-1');
  }
}

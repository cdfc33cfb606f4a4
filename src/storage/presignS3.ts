import { createHash, createHmac } from 'node:crypto';

/** What a presigned GET needs: where the object is and whose credentials sign it. */
export interface PresignInput {
  bucket: string;
  key: string;
  region: string;
  /** An S3-compatible endpoint (path-style), or undefined for AWS (virtual-hosted style). */
  endpoint?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  expiresSeconds: number;
  now?: Date;
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, '/' kept in paths. */
function enc(s: string, keepSlash = false): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(keepSlash ? /%2F/g : /$^/, '/');
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * A presigned S3 GET URL (SigV4 query signing), so a plain `curl -L` can fetch an object of a
 * private bucket for `expiresSeconds`. Written against the published algorithm rather than a
 * further SDK package: it is one canonical request and four HMACs.
 *
 * @example
 * presignS3Get({ bucket: 'eu-builds', key: 'app/1.4.2', region: 'eu-west-1', credentials, expiresSeconds: 300 });
 */
export function presignS3Get(p: PresignInput): string {
  const now = p.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  let base: URL;
  let path: string;
  if (p.endpoint) {
    base = new URL(p.endpoint);
    path = `${base.pathname.replace(/\/$/, '')}/${p.bucket}/${enc(p.key, true)}`;
  } else {
    base = new URL(p.region === 'us-east-1' ? `https://${p.bucket}.s3.amazonaws.com` : `https://${p.bucket}.s3.${p.region}.amazonaws.com`);
    path = `/${enc(p.key, true)}`;
  }
  const scope = `${day}/${p.region}/s3/aws4_request`;
  const query: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${p.credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(Math.max(1, Math.min(604800, Math.floor(p.expiresSeconds))))],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  if (p.credentials.sessionToken) query.push(['X-Amz-Security-Token', p.credentials.sessionToken]);
  query.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const qs = query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const canonical = ['GET', path, qs, `host:${base.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${p.credentials.secretAccessKey}`, day), p.region), 's3'), 'aws4_request');
  const sig = createHmac('sha256', key).update(toSign).digest('hex');
  return `${base.protocol}//${base.host}${path}?${qs}&X-Amz-Signature=${sig}`;
}

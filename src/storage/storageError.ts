import { MetaError, type MetaErrorCode } from '../errors/MetaError.js';

/** Environment variables whose values are secrets: never quoted back, whatever a server or SDK says. */
const SECRET_VARS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECURITY_TOKEN'];

/** `text` on one short line, with the value of every credential variable masked. */
export function scrubSecrets(text: string, env: Record<string, string | undefined> = process.env): string {
  let out = text.replace(/[\0-\x1f\x7f-\x9f]+/g, ' ').trim();
  for (const v of SECRET_VARS) {
    const value = env[v];
    if (value && value.length >= 4) out = out.split(value).join('***');
  }
  // Signed query strings and authorization headers some errors echo.
  out = out.replace(/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s]+/gi, '$1***').replace(/(Authorization:?\s*)\S.*$/i, '$1***');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  Code?: string;
}

/**
 * Maps what the S3 SDK (or a socket) threw into a MetaError with a stable code and a message that
 * names the location and says what to do; never a stack, never a credential. NOT_FOUND for a
 * missing object or bucket, AUTH for refused or missing credentials, REMOTE for everything
 * the server or the network got wrong.
 *
 * @example
 * try { await s3.send(cmd); } catch (e) { throw s3Error(e, 's3://eu/app', 'reading'); }
 */
export function s3Error(e: unknown, url: string, doing: string): MetaError {
  if (e instanceof MetaError) return e;
  const err = (e ?? {}) as SdkError;
  const name = err.name ?? err.Code ?? err.code ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const said = scrubSecrets(err.message ?? String(e));
  const data = { url, status, s3Code: name };
  const mk = (code: MetaErrorCode, msg: string) => new MetaError(code, msg, data);
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) return mk('NOT_FOUND', `${url} does not exist (${doing})`);
  if (name === 'NoSuchBucket') return mk('NOT_FOUND', `${url}: the bucket does not exist (${doing}); create it or fix the location`);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(said)) {
    return mk('AUTH', `${url}: no AWS credentials found (${doing}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an instance role applies`);
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled', 'Forbidden'].includes(name) || status === 403 || status === 401) {
    return mk('AUTH', `${url}: the storage refused the credentials (${name}${status ? `, HTTP ${status}` : ''}) while ${doing}; check the access key, secret and permissions of the AWS credentials in use`);
  }
  const sys = (e as { code?: string }).code;
  if (sys && /^E[A-Z]+$/.test(sys)) return mk('REMOTE', `${url}: cannot reach the storage (${sys}) while ${doing}; check the endpoint and the network`);
  return mk('REMOTE', `${url}: the storage failed while ${doing} (${name}${status ? `, HTTP ${status}` : ''}: ${said})`);
}

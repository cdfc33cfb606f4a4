import { MetaError } from '../errors/MetaError.js';
import { urlCredentials } from '../records/validate.js';

/** A storage location boot-meta can read and write: a file, an S3 object, or an HTTP resource. */
export type StorageLocation =
  | { kind: 'file'; url: string; path: string }
  | { kind: 's3'; url: string; bucket: string; key: string }
  | { kind: 'http'; url: string };

const MAX_URL = 4096;
/** S3's bucket naming rules (lower case, digits, '.', '-'; 3 to 63 characters). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bad(field: string, url: string, why: string): MetaError {
  const masked = urlCredentials(url) ?? url;
  const shown = masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
  return new MetaError('INVALID_ARGUMENT', `${field} '${shown.replace(/[\0-\x1f\x7f-\x9f]/g, '?')}' ${why}`, { field });
}

/** True when a '/'-separated path has an empty, '.' or '..' segment, or one that decodes to a separator. */
function hasDotSegment(path: string): boolean {
  return path.split('/').some((s) => {
    let d = s;
    try {
      d = decodeURIComponent(s);
    } catch {
      return true;
    }
    return d === '' || d === '.' || d === '..' || d.includes('/') || d.includes('\\') || d.includes('\0');
  });
}

/**
 * Parses and checks a storage location from a record, a setting or an argument: `file:///abs/path`,
 * `s3://bucket/key` or `http(s)://host/path`. Locations never carry credentials (the storage's own
 * authentication supplies them), file paths are absolute with no `.` or `..` segment, and an S3
 * key has no such segment either, so a location names exactly the object it spells. Throws
 * INVALID_ARGUMENT naming `field`; the message masks any credentials.
 *
 * @example
 * parseLocation('s3://eu-builds/acme/app/1.4.2/linux/amd64'); // { kind: 's3', bucket: 'eu-builds', key: 'acme/app/1.4.2/linux/amd64', … }
 */
export function parseLocation(url: string, field = 'location'): StorageLocation {
  if (typeof url !== 'string' || url.length === 0) throw new MetaError('INVALID_ARGUMENT', `${field} is empty; give file:///…, s3://bucket/key or https://…`, { field });
  if (url.length > MAX_URL) throw bad(field, url, `is longer than ${MAX_URL} characters`);
  if (urlCredentials(url) !== undefined) throw bad(field, url, 'holds credentials; give the URL without them and let the storage authenticate (AWS credential chain, a bearer-less HTTP server)');
  if (/[\0-\x20\x7f-\x9f]/.test(url)) throw bad(field, url, 'contains spaces or control characters');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    if (!url.startsWith('file:///')) throw bad(field, url, 'is not an absolute file URL: write file:///absolute/path (no host)');
    const raw = url.slice('file://'.length);
    if (/[?#]/.test(raw)) throw bad(field, url, 'has a query or fragment; a file location is a path only');
    if (hasDotSegment(raw.slice(1))) throw bad(field, url, "has an empty, '.' or '..' segment; name the file by its plain absolute path");
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      throw bad(field, url, 'is not a valid file URL (bad percent-encoding)');
    }
    if (path.endsWith('/')) throw bad(field, url, 'names a directory; a location names one file');
    return { kind: 'file', url, path };
  }
  if (scheme === 's3') {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (!BUCKET.test(bucket) || bucket.includes('..')) throw bad(field, url, 'does not name a valid S3 bucket (lower-case letters, digits, . and -, 3 to 63 characters)');
    if (key === '' || key.endsWith('/')) throw bad(field, url, 'names no object; write s3://bucket/path/to/object');
    if (/[?#]/.test(key)) throw bad(field, url, 'has a query or fragment; an S3 location is bucket and key only');
    if (hasDotSegment(key)) throw bad(field, url, "has an empty, '.' or '..' segment in its key");
    return { kind: 's3', url, bucket, key };
  }
  if (scheme === 'http' || scheme === 'https') {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw bad(field, url, 'is not a valid URL');
    }
    if (!u.hostname) throw bad(field, url, 'names no host');
    const rawPath = url.slice(scheme.length + 3).replace(/^[^/?#]*/, '').replace(/[?#].*$/s, '');
    if (rawPath.length > 1 && hasDotSegment(rawPath.slice(1).replace(/\/$/, ''))) throw bad(field, url, "has an empty, '.' or '..' segment in its path");
    return { kind: 'http', url };
  }
  throw bad(field, url, 'is not a storage location boot-meta can use: file:///…, s3://bucket/key, http://… or https://…');
}

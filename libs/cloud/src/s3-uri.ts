/** A parsed s3://bucket/prefix URI. */
export interface S3Location {
  bucket: string;
  /** Key or key prefix, without a leading slash; may be empty (the whole bucket). */
  key: string;
}

/** HealthLake's S3Uri rule: s3://<bucket 3-63 chars of a-z0-9.->/<key>. */
const S3_URI = /^[sS]3:\/\/([a-z0-9][.\-a-z0-9]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * Parses an S3 URI; undefined if malformed. Keys with `..` segments, control characters or
 * backslashes are refused: they are never legitimate here and confuse tools downstream.
 */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = S3_URI.exec(uri);
  if (!match || match[1].includes('..')) return undefined;
  const key = match[2] ?? '';
  if (/[\u0000-\u001f\u007f\\]/.test(key) || key.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;
  return { bucket: match[1], key };
}

export const formatS3Uri = (location: S3Location): string => `s3://${location.bucket}/${location.key}`;

/** Joins key segments with single slashes. */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, ''))).join('/');
}

import type { IncomingHttpHeaders } from 'node:http';
import { AuthFailure } from './auth-failure';

/** What a SigV4 signature covers, taken from the wire as received. */
export interface SignedRequestParts {
  method: string;
  /** Path and query exactly as received (req.originalUrl). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The claims of a SigV4-signed request (Authorization header or presigned query). */
export interface SigV4Claim {
  presigned: boolean;
  accessKeyId: string;
  /** X-Amz-Date as sent, e.g. 20240101T120000Z, and parsed. */
  amzDate: string;
  date: Date;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  sessionToken?: string;
  /** Presigned only: X-Amz-Expires in seconds. */
  expiresIn?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const invalid = (message: string) => new AuthFailure('invalid-signature', message);

/** True when the request carries SigV4 credentials in the Authorization header or the query. */
export function hasSigV4(headers: IncomingHttpHeaders, query: URLSearchParams): boolean {
  return (headers.authorization ?? '').startsWith('AWS4-') || query.has('X-Amz-Signature') || query.has('X-Amz-Credential');
}

/** Parses SigV4 claims; throws AuthFailure('invalid-signature') naming what is malformed. */
export function parseSigV4(headers: IncomingHttpHeaders, query: URLSearchParams): SigV4Claim {
  const authorization = headers.authorization;
  if (authorization?.startsWith('AWS4-')) {
    const [algorithm, ...rest] = authorization.split(' ');
    if (algorithm !== ALGORITHM) throw invalid(`Unsupported signing algorithm ${JSON.stringify(algorithm?.slice(0, 40))}; use ${ALGORITHM}`);
    const fields = new Map<string, string>();
    for (const part of rest.join(' ').split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
      if (!fields.get(name)) throw invalid(`Authorization header requires '${name}' parameter.`);
    }
    const amzDate = single(headers['x-amz-date']);
    if (!amzDate) throw invalid("Authorization header requires existence of an 'X-Amz-Date' header.");
    return claim(fields.get('Credential')!, fields.get('SignedHeaders')!, fields.get('Signature')!, amzDate, single(headers['x-amz-security-token']), false);
  }
  const algorithm = query.get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) throw invalid(`X-Amz-Algorithm must be ${ALGORITHM}`);
  for (const name of ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-Expires']) {
    if (!query.get(name)) throw invalid(`Query-string authentication requires the ${name} parameter.`);
  }
  const expiresIn = Number(query.get('X-Amz-Expires'));
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw invalid(`X-Amz-Expires must be an integer between 1 and ${MAX_PRESIGN_SECONDS} seconds`);
  }
  const parsed = claim(query.get('X-Amz-Credential')!, query.get('X-Amz-SignedHeaders')!, query.get('X-Amz-Signature')!, query.get('X-Amz-Date')!, query.get('X-Amz-Security-Token') ?? undefined, true);
  return { ...parsed, expiresIn };
}

function claim(credential: string, signedHeaders: string, signature: string, amzDate: string, sessionToken: string | undefined, presigned: boolean): SigV4Claim {
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '') || scope[4] !== 'aws4_request') {
    throw invalid(`Credential should be of the form <access key id>/<date>/<region>/<service>/aws4_request; got ${scope.length} part(s)`);
  }
  const [accessKeyId, scopeDate, region, service] = scope as [string, string, string, string, string];
  const match = AMZ_DATE.exec(amzDate);
  const date = match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!)) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalid(`Invalid X-Amz-Date ${JSON.stringify(amzDate.slice(0, 40))}; expected the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'`);
  if (!/^[0-9a-f]{64}$/.test(signature)) throw invalid('The signature must be 64 lower-case hex characters.');
  const headers = signedHeaders.split(';');
  if (headers.some((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) throw invalid('SignedHeaders must be lower-case header names separated by semicolons.');
  if (!headers.includes('host')) throw invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  return { presigned, accessKeyId, amzDate, date, scopeDate, region, service, signedHeaders: headers, signature, ...(sessionToken ? { sessionToken } : {}) };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `20240101T120000Z` for a Date (SigV4's basic ISO 8601). */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthFailure, SIGNATURE_MISMATCH_MESSAGE, UNRECOGNIZED_CLIENT_MESSAGE } from './auth-failure';
import type { AccessKey } from './principals-file';
import { formatAmzDate, type SigV4Claim, type SignedRequestParts } from './sigv4-request';

export const SIGV4_SERVICE = 'healthlake';
/** AWS's tolerance for clock differences between client and server. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SigV4VerifyOptions {
  /** The region clients must sign for (this deployment's AWS_REGION). */
  region: string;
  now?: Date;
}

const invalid = (message: string) => new AuthFailure('invalid-signature', message);

/**
 * Verifies a SigV4 signature by recomputing it with @smithy/signature-v4 over exactly the signed
 * headers, the raw path and query and the raw body, with the secret of `key`. Throws AuthFailure
 * with AWS's messages for skew, scope, session token, payload hash and signature mismatches.
 */
export async function verifySigV4(parts: SignedRequestParts, claim: SigV4Claim, key: AccessKey, options: SigV4VerifyOptions): Promise<void> {
  const now = options.now ?? new Date();
  checkTime(claim, now);
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    throw invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scopeDate.slice(0, 8)}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`);
  }
  if (claim.service !== SIGV4_SERVICE) throw invalid(`Credential should be scoped to correct service: '${SIGV4_SERVICE}'.`);
  if (claim.region !== options.region) throw invalid(`Credential should be scoped to a valid region, not '${claim.region.slice(0, 30)}'. This endpoint serves '${options.region}'.`);
  if (!sameSecret(claim.sessionToken, key.sessionToken)) throw new AuthFailure('unrecognized-client', UNRECOGNIZED_CLIENT_MESSAGE);

  const [rawPath = '/', rawQuery = ''] = splitOnce(parts.rawUrl, '?');
  const query = parseQuery(rawQuery, claim.presigned);
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    const value = parts.headers[name];
    if (value === undefined) throw invalid(`The signed header ${JSON.stringify(name)} is missing from the request.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(parts.body).digest('hex')) {
    throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const request = new HttpRequest({ method: parts.method, protocol: 'http:', hostname: 'unused', path: rawPath, query, headers, body: parts.body });
  const signer = new SignatureV4({
    credentials: { accessKeyId: claim.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: claim.region,
    service: SIGV4_SERVICE,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signable = new Set(claim.signedHeaders);
  const expected = claim.presigned
    ? await presignedSignature(signer, request, claim, signable)
    : /Signature=([0-9a-f]{64})/.exec((await signer.sign(request, { signingDate: claim.date, signableHeaders: signable })).headers['authorization'] ?? '')?.[1];
  if (!expected || !timingSafeEqual(Buffer.from(expected), Buffer.from(claim.signature))) throw invalid(SIGNATURE_MISMATCH_MESSAGE);
}

function checkTime(claim: SigV4Claim, now: Date): void {
  if (claim.presigned) {
    const expiry = new Date(claim.date.getTime() + (claim.expiresIn ?? 0) * 1000);
    if (now > expiry) throw invalid(`Request has expired: it was valid until ${formatAmzDate(expiry)} and it is now ${formatAmzDate(now)}.`);
    if (claim.date.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) throw invalid(notYetCurrent(claim, now));
    return;
  }
  const skew = now.getTime() - claim.date.getTime();
  if (skew > MAX_CLOCK_SKEW_MS) {
    const earliest = formatAmzDate(new Date(now.getTime() - MAX_CLOCK_SKEW_MS));
    throw invalid(`Signature expired: ${claim.amzDate} is now earlier than ${earliest} (${formatAmzDate(now)} - 15 min.)`);
  }
  if (-skew > MAX_CLOCK_SKEW_MS) throw invalid(notYetCurrent(claim, now));
}

function notYetCurrent(claim: SigV4Claim, now: Date): string {
  const latest = formatAmzDate(new Date(now.getTime() + MAX_CLOCK_SKEW_MS));
  return `Signature not yet current: ${claim.amzDate} is still later than ${latest} (${formatAmzDate(now)} + 15 min.)`;
}

async function presignedSignature(signer: SignatureV4, request: HttpRequest, claim: SigV4Claim, signable: Set<string>): Promise<string | undefined> {
  // presign() adds the X-Amz-* parameters itself; the token is re-added as received.
  const { query } = request;
  const token = query['X-Amz-Security-Token'];
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token']) delete query[name];
  if (typeof token === 'string') query['X-Amz-Security-Token'] = token;
  const presigned = await signer.presign(request, {
    signingDate: claim.date,
    expiresIn: claim.expiresIn,
    signableHeaders: signable,
    unhoistableHeaders: new Set(claim.signedHeaders),
  });
  const signature = presigned.query?.['X-Amz-Signature'];
  return typeof signature === 'string' ? signature : undefined;
}

/** Decodes the raw query into what the signer canonicalises; `+` stays literal, as clients sign it. */
function parseQuery(raw: string, presigned: boolean): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const [rawKey = '', rawValue = ''] = splitOnce(piece, '=');
    const key = decode(rawKey);
    if (presigned && key === 'X-Amz-Signature') continue;
    const value = decode(rawValue);
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid('The query string is not valid percent-encoding.');
  }
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function sameSecret(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined) return given === expected;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

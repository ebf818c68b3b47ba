import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HealthLakeClient } from '@aws-sdk/client-healthlake';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { startTestGateway, type TestGateway } from './gateway-harness';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const datastoreArnOf = (id: string) => `arn:aws:healthlake:${REGION}:${ACCOUNT}:datastore/fhir/${id}`;
export const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

export interface TestKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TestPrincipal {
  name: string;
  arn: string;
  key: TestKey;
  policies: object[];
}

/** A principal with a fresh random access key. */
export function principal(name: string, policies: object[], extra: Partial<TestKey> = {}): TestPrincipal {
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    key: { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64'), ...extra },
    policies,
  };
}

/** Writes (or rewrites) a principals file; returns its path. */
export function writePrincipalsFile(principals: TestPrincipal[], file = path.join(mkdtempSync(path.join(tmpdir(), 'fhirlake-principals-')), 'principals.json')): string {
  const content = { principals: principals.map((p) => ({ name: p.name, arn: p.arn, accessKeys: [p.key], policies: p.policies })) };
  writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

/** A SMART issuer with its own RSA key and a static JWKS. */
export interface TestIssuer {
  issuer: string;
  audience: string;
  jwk: JWK;
  mint(claims: { scope?: string; patient?: string; sub?: string; aud?: string; expiresIn?: string | number; iss?: string }): Promise<string>;
}

export async function createIssuer(issuer = 'https://auth.example.test', audience = 'https://fhirlake.example.test/fhir'): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: randomBytes(4).toString('hex'), alg: 'RS256', use: 'sig' };
  return {
    issuer,
    audience,
    jwk,
    mint: (claims) => {
      const payload: Record<string, unknown> = {};
      if (claims.scope !== undefined) payload.scope = claims.scope;
      if (claims.patient !== undefined) payload.patient = claims.patient;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
        .setIssuer(claims.iss ?? issuer)
        .setAudience(claims.aud ?? audience)
        .setSubject(claims.sub ?? 'user-1')
        .setIssuedAt()
        .setExpirationTime(claims.expiresIn ?? '5m')
        .sign(privateKey);
    },
  };
}

/** A gateway in enforce mode with these principals (and SMART issuers). */
export async function startSecureGateway(principals: TestPrincipal[], options: { issuers?: TestIssuer[]; env?: Record<string, string> } = {}): Promise<TestGateway & { principalsFile: string }> {
  const principalsFile = writePrincipalsFile(principals);
  const issuers = (options.issuers ?? []).map((i) => ({ issuer: i.issuer, audience: i.audience, jwks: { keys: [i.jwk] } }));
  const gw = await startTestGateway({
    FHIRLAKE_AUTH_MODE: 'enforce',
    FHIRLAKE_PRINCIPALS_FILE: principalsFile,
    FHIRLAKE_SMART_ISSUERS: JSON.stringify(issuers),
    ...options.env,
  });
  return Object.assign(gw, { principalsFile });
}

/** The real HealthLake SDK client, signing with `key`. */
export function sdkClient(gw: TestGateway, key: TestKey, extra: { systemClockOffset?: number; region?: string } = {}): HealthLakeClient {
  return new HealthLakeClient({ endpoint: gw.baseUrl, region: extra.region ?? REGION, credentials: key, maxAttempts: 1, ...(extra.systemClockOffset ? { systemClockOffset: extra.systemClockOffset } : {}) });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface RawRequest {
  method: string;
  /** Path without query. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Sends a request as given (no signing) over node:http. */
export function send(gw: TestGateway, req: RawRequest): Promise<RawResponse> {
  const url = new URL(gw.baseUrl);
  const qs = new URLSearchParams(req.query ?? {}).toString().replace(/\+/g, '%20');
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: `${req.path}${qs ? `?${qs}` : ''}`, headers: req.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    outgoing.on('error', reject);
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}

/** SigV4-signs a request with @smithy/signature-v4 as an AWS client would; returns the signed request to send or tamper with. */
export async function sign(gw: TestGateway, key: TestKey, req: RawRequest, options: { date?: Date; region?: string; service?: string; applyChecksum?: boolean } = {}): Promise<RawRequest> {
  const url = new URL(gw.baseUrl);
  const host = `${url.hostname}:${url.port}`;
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  const signer = new SignatureV4({ credentials: key, region: options.region ?? REGION, service: options.service ?? 'healthlake', sha256: Sha256, applyChecksum: options.applyChecksum ?? true });
  const signed = await signer.sign(
    new HttpRequest({ method: req.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: req.path, query: req.query ?? {}, headers: { host, ...(req.headers ?? {}) }, ...(body ? { body } : {}) }),
    { signingDate: options.date ?? new Date() },
  );
  return { ...req, headers: signed.headers as Record<string, string> };
}

/** Signs and sends. */
export async function signedSend(gw: TestGateway, key: TestKey, req: RawRequest): Promise<RawResponse> {
  return send(gw, await sign(gw, key, req));
}

/** A presigned URL's query (X-Amz-*), as @smithy/signature-v4 makes it. */
export async function presign(gw: TestGateway, key: TestKey, req: RawRequest, expiresIn = 300, date = new Date()): Promise<RawRequest> {
  const url = new URL(gw.baseUrl);
  const signer = new SignatureV4({ credentials: key, region: REGION, service: 'healthlake', sha256: Sha256 });
  const presigned = await signer.presign(
    new HttpRequest({ method: req.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: req.path, query: req.query ?? {}, headers: { host: `${url.hostname}:${url.port}` } }),
    { expiresIn, signingDate: date },
  );
  return { ...req, query: presigned.query as Record<string, string> };
}

/** AWS JSON 1.0 call, signed. */
export function awsJson(gw: TestGateway, key: TestKey | undefined, operation: string, input: object): Promise<RawResponse> {
  const req: RawRequest = {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `HealthLake.${operation}` },
    body: JSON.stringify(input),
  };
  return key ? signedSend(gw, key, req) : send(gw, req);
}

/** The error a call must fail with (a success fails the test). */
export function failure(call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: Error) => error,
  );
}

import { Inject, Injectable } from '@nestjs/common';
import type { GatewayEnv, SmartIssuerConfig } from '@fhirlake/config';
import { parseSmartScopes } from '@fhirlake/policy';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { AuthFailure } from './auth-failure';
import type { Caller } from './caller';

type SmartCaller = Extract<Caller, { kind: 'smart' }>;

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;

const invalidToken = (message: string) => new AuthFailure('invalid-token', message);

/**
 * Verifies SMART on FHIR access tokens (JWTs) against the configured issuers: signature with the
 * issuer's JWKS (static or fetched and cached by jose), issuer, audience and expiry. Tokens are
 * never logged or echoed.
 */
@Injectable()
export class SmartTokenVerifier {
  private readonly issuers = new Map<string, { config: SmartIssuerConfig; keys: JWTVerifyGetKey }>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayEnv) {
    for (const issuer of config.FHIRLAKE_SMART_ISSUERS) {
      const keys = issuer.jwks ? createLocalJWKSet(issuer.jwks as unknown as JSONWebKeySet) : createRemoteJWKSet(new URL(issuer.jwksUri!));
      this.issuers.set(issuer.issuer, { config: issuer, keys });
    }
  }

  async verify(token: string, datastoreId: string | undefined): Promise<SmartCaller> {
    let issuerName: unknown;
    try {
      issuerName = decodeJwt(token).iss;
    } catch {
      throw invalidToken('The bearer token is not a well-formed JWT');
    }
    const issuer = typeof issuerName === 'string' ? this.issuers.get(issuerName) : undefined;
    if (!issuer) throw invalidToken('The bearer token was issued by an issuer this server does not trust');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: issuer.config.issuer,
        audience: issuer.config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw invalidToken(describeJoseError(error));
    }
    const allowed = issuer.config.datastoreIds;
    if (datastoreId !== undefined && allowed && !allowed.includes(datastoreId)) {
      throw new AuthFailure('access-denied', `Tokens of issuer ${issuer.config.issuer} are not accepted by datastore ${datastoreId}`);
    }
    const scope = typeof payload.scope === 'string' ? payload.scope : Array.isArray(payload.scp) ? payload.scp.filter((s): s is string => typeof s === 'string') : '';
    const patient = typeof payload.patient === 'string' && payload.patient !== '' ? payload.patient : undefined;
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
    return {
      kind: 'smart',
      subject: String(payload.sub),
      issuer: issuer.config.issuer,
      scopes: parseSmartScopes(scope),
      ...(patient ? { patient } : {}),
      ...(clientId ? { clientId } : {}),
    };
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The bearer token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'The bearer token was issued for another audience';
    if (error.claim === 'nbf') return 'The bearer token is not yet valid';
    return `The bearer token's ${error.claim} claim is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return 'The bearer token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The bearer token uses a signing algorithm this server does not accept';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError) return 'The bearer token could not be verified';
  return 'The bearer token could not be verified';
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GatewayEnv } from '@fhirlake/config';
import { parsePolicyDocument } from '@fhirlake/policy';
import type { Request } from 'express';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { AuthFailure, UNRECOGNIZED_CLIENT_MESSAGE } from './auth-failure';
import { setClaimedIdentity, type Caller, type IamPrincipal } from './caller';
import { isLoopbackRequest } from './loopback';
import { PrincipalRegistry } from './principal-registry';
import { hasSigV4, parseSigV4 } from './sigv4-request';
import { verifySigV4 } from './sigv4-verifier';
import { SmartTokenVerifier } from './smart-token-verifier';

export const MISSING_CREDENTIALS_MESSAGE =
  'Missing Authentication Token: sign the request with AWS Signature Version 4 (service healthlake) or send a SMART on FHIR bearer token';

/**
 * Establishes who is calling: SigV4 (principals file), SMART bearer token, or, in development mode
 * and from loopback only, the built-in dev admin for unsigned or unknown-key requests. Known keys
 * and bearer tokens are always fully verified, whatever the mode.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly devAdmin: IamPrincipal;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv,
    private readonly principals: PrincipalRegistry,
    private readonly smart: SmartTokenVerifier,
  ) {
    this.devAdmin = {
      name: 'dev-admin',
      arn: `arn:aws:iam::${config.FHIRLAKE_ACCOUNT_ID}:user/dev-admin`,
      account: config.FHIRLAKE_ACCOUNT_ID,
      policies: [parsePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })],
    };
    if (this.devMode) {
      new Logger('Auth').warn(
        '\n!!! DEVELOPMENT AUTH MODE (FHIRLAKE_AUTH_MODE=dev) !!!\n' +
          '!!! Unsigned requests, and requests signed with unknown access keys, from loopback act as dev-admin with FULL ACCESS.\n' +
          '!!! Known keys and SMART tokens are still verified; non-loopback requests are always enforced.\n' +
          '!!! Never run like this where untrusted local users or a local reverse proxy can reach the gateway.',
      );
    }
  }

  get devMode(): boolean {
    return this.config.FHIRLAKE_AUTH_MODE === 'dev';
  }

  /** `datastoreId`: the FHIR datastore addressed, for issuers restricted to some datastores. */
  async authenticate(req: Request, datastoreId: string | undefined): Promise<Caller> {
    const authorization = req.headers.authorization;
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    if (authorization !== undefined && /^bearer\s/i.test(authorization)) {
      const token = authorization.slice(7).trim();
      return this.smart.verify(token, datastoreId);
    }
    if (hasSigV4(req.headers, query)) {
      const claim = parseSigV4(req.headers, query);
      setClaimedIdentity(req, `accessKey/${claim.accessKeyId.slice(0, 128)}`);
      const found = this.principals.find(claim.accessKeyId);
      if (!found) {
        if (this.devMode && isLoopbackRequest(req)) return { kind: 'dev-admin', principal: this.devAdmin };
        throw new AuthFailure('unrecognized-client', UNRECOGNIZED_CLIENT_MESSAGE);
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      await verifySigV4({ method: req.method, rawUrl: req.originalUrl, headers: req.headers, body }, claim, found.key, { region: this.config.AWS_REGION });
      const { principal } = found;
      return { kind: 'iam', accessKeyId: claim.accessKeyId, principal: { name: principal.name, arn: principal.arn, account: principal.account, policies: principal.policies } };
    }
    if (authorization !== undefined && authorization !== '') {
      throw new AuthFailure('missing-credentials', `Unsupported Authorization scheme; ${MISSING_CREDENTIALS_MESSAGE}`);
    }
    if (this.devMode && isLoopbackRequest(req)) return { kind: 'dev-admin', principal: this.devAdmin };
    throw new AuthFailure('missing-credentials', MISSING_CREDENTIALS_MESSAGE);
  }
}

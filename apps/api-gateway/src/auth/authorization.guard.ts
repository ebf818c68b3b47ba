import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuditTrail } from '../audit/audit-trail';
import { type ArnContext } from '../control-plane/healthlake-arn';
import { isFhirPath } from '../http/route-aware-exception.filter';
import { ARN_CONTEXT } from '../infrastructure/tokens';
import { AuthFailure } from './auth-failure';
import { requestIdOf, setCaller } from './caller';
import { IamAuthorizer } from './iam-authorizer';
import { RequestAuthenticator } from './request-authenticator';
import { ROUTE_AUTHORIZATION, type AuthorizationTarget, type RouteAuthorization, type RouteFamily } from './route-authorization';
import { SmartAuthorizer } from './smart-authorizer';

/**
 * The global guard: every route is authenticated and authorized against the action it declares
 * (see route-authorization.ts); a route that declares nothing is denied (fail closed). Refusals
 * are rendered by the route's own exception filter: AWS JSON errors or OperationOutcomes.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  private readonly logger = new Logger('Authorization');

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
    private readonly iam: IamAuthorizer,
    private readonly smart: SmartAuthorizer,
    private readonly audit: AuditTrail,
    @Inject(ARN_CONTEXT) private readonly arn: ArnContext,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('x-amzn-RequestId', requestIdOf(req));
    const spec = this.reflector.getAllAndOverride<RouteAuthorization | undefined>(ROUTE_AUTHORIZATION, [context.getHandler(), context.getClass()]);
    if (spec?.mode === 'public') return true;
    const family: RouteFamily = spec?.family ?? (isFhirPath(req.path) ? 'fhir' : 'control-plane');
    const target = spec?.mode === 'action' ? spec.resolve(req, this.arn) : undefined;
    const handle = this.audit.track(req, res, {
      action: target?.action ?? (spec ? 'authenticate' : 'undeclared'),
      resource: target?.auditResource ?? target?.resource ?? null,
      datastoreId: target?.datastoreId ?? null,
      always: target?.audit ?? false,
    });
    try {
      if (!spec) {
        this.logger.error(`Route ${context.getClass().name}.${context.getHandler().name} declares no authorization; denied`);
        throw new AuthFailure('access-denied', 'This route declares no authorization and is denied');
      }
      const caller = await this.authenticator.authenticate(req, target?.datastoreId);
      setCaller(req, caller);
      if (target) await this.authorize(caller, target, family, req);
      return true;
    } catch (error) {
      if (!(error instanceof AuthFailure)) throw error;
      handle.deny(error.message);
      if (error.kind === 'invalid-token' || error.kind === 'missing-credentials') res.setHeader('WWW-Authenticate', 'Bearer realm="fhirlake", AWS4-HMAC-SHA256');
      throw family === 'fhir' ? error.toFhirError() : error.toAwsError();
    }
  }

  private async authorize(caller: Parameters<typeof setCaller>[1], target: AuthorizationTarget, family: RouteFamily, req: Request): Promise<void> {
    if (caller.kind === 'smart') {
      if (family !== 'fhir') throw new AuthFailure('access-denied', 'SMART on FHIR tokens give no access to the control plane; sign the request with AWS SigV4');
      await this.smart.authorize(caller, target, req);
      return;
    }
    await this.iam.authorize(caller.principal, target, req);
  }
}

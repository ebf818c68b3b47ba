import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FhirError } from '@fhirlake/fhir';
import type { Request, Response } from 'express';
import { AuditTrail } from '../audit/audit-trail';
import { AwsServiceError } from '../control-plane/aws-service-error';
import { AuthorizationGuard } from './authorization.guard';
import type { IamAuthorizer } from './iam-authorizer';
import type { RequestAuthenticator } from './request-authenticator';
import type { SmartAuthorizer } from './smart-authorizer';

/** A route handler without any @Authorize metadata. */
class UndeclaredController {
  handler(): void {}
}

function contextFor(path: string): { context: ExecutionContext; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const req = { path, headers: {}, socket: {}, ip: '127.0.0.1' } as unknown as Request;
  const res = { setHeader: (k: string, v: string) => void (headers[k] = v), once: () => undefined } as unknown as Response;
  const context = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    getHandler: () => UndeclaredController.prototype.handler,
    getClass: () => UndeclaredController,
  } as unknown as ExecutionContext;
  return { context, headers };
}

describe('AuthorizationGuard', () => {
  const authenticate = jest.fn();
  const guard = new AuthorizationGuard(
    new Reflector(),
    { authenticate } as unknown as RequestAuthenticator,
    {} as IamAuthorizer,
    {} as SmartAuthorizer,
    { track: () => ({ deny: () => undefined }) } as unknown as AuditTrail,
    { region: 'us-east-1', accountId: '000000000000' },
  );

  it('fails closed on routes that declare no authorization, without even authenticating', async () => {
    const control = contextFor('/whatever');
    await expect(guard.canActivate(control.context)).rejects.toEqual(expect.objectContaining({ type: 'AccessDeniedException' }));
    await expect(guard.canActivate(control.context)).rejects.toBeInstanceOf(AwsServiceError);
    const fhir = contextFor('/datastore/x/r4/Patient');
    const error = await guard.canActivate(fhir.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(403);
    expect(authenticate).not.toHaveBeenCalled();
    expect(control.headers['x-amzn-RequestId']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

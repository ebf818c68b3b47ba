import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationGuard } from './authorization.guard';
import { IamAuthorizer } from './iam-authorizer';
import { PrincipalRegistry } from './principal-registry';
import { RequestAuthenticator } from './request-authenticator';
import { SmartAuthorizer } from './smart-authorizer';
import { SmartTokenVerifier } from './smart-token-verifier';

/** Authentication (SigV4, SMART, dev mode) and the global authorization guard. */
@Module({
  imports: [AuditModule],
  providers: [PrincipalRegistry, SmartTokenVerifier, RequestAuthenticator, IamAuthorizer, SmartAuthorizer, { provide: APP_GUARD, useClass: AuthorizationGuard }],
  exports: [PrincipalRegistry],
})
export class AuthModule {}

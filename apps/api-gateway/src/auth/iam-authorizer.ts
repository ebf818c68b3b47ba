import { Inject, Injectable } from '@nestjs/common';
import type { GatewayEnv } from '@fhirlake/config';
import { evaluateRequest, type RequestContext } from '@fhirlake/policy';
import { DatastoreRepository } from '@fhirlake/persistence/prisma';
import type { Request } from 'express';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { AuthFailure } from './auth-failure';
import type { IamPrincipal } from './caller';
import type { AuthorizationTarget } from './route-authorization';

/**
 * Evaluates a principal's identity policies for a request with IAM semantics (explicit deny wins,
 * otherwise an allow is needed), with the global condition keys IAM would supply. Job starts also
 * need iam:PassRole on the data access role, passed to the HealthLake service principal.
 */
@Injectable()
export class IamAuthorizer {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv,
    private readonly datastores: DatastoreRepository,
  ) {}

  async authorize(principal: IamPrincipal, target: AuthorizationTarget, req: Request): Promise<void> {
    const context = await this.contextFor(principal, target, req);
    this.check(principal, target.action, target.resource, context);
    if (target.passRoleArn !== undefined) {
      this.check(principal, 'iam:PassRole', target.passRoleArn, { ...context, 'iam:PassedToService': this.config.FHIRLAKE_SERVICE_PRINCIPAL });
    }
  }

  private check(principal: IamPrincipal, action: string, resource: string, context: RequestContext): void {
    const result = evaluateRequest({
      action,
      resource,
      context,
      identityPolicies: principal.policies,
      principal: { type: 'AWS', arn: principal.arn, account: principal.account },
      // No resource policies here: identity policies alone decide, whatever the role's account.
      crossAccountCheck: false,
    });
    if (result.decision === 'Allow') return;
    const why = result.decision === 'ExplicitDeny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
    throw new AuthFailure('access-denied', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
  }

  private async contextFor(principal: IamPrincipal, target: AuthorizationTarget, req: Request): Promise<RequestContext> {
    const now = new Date();
    const userName = /:user\/(?:.*\/)?([^/]+)$/.exec(principal.arn)?.[1];
    const context: Record<string, string | string[] | boolean | number> = {
      'aws:SourceIp': (req.ip ?? '').replace(/^::ffff:/, ''),
      'aws:CurrentTime': now.toISOString(),
      'aws:EpochTime': Math.floor(now.getTime() / 1000),
      'aws:SecureTransport': req.secure,
      'aws:PrincipalArn': principal.arn,
      'aws:PrincipalAccount': principal.account,
      'aws:PrincipalType': userName ? 'User' : 'AssumedRole',
      'aws:RequestedRegion': this.config.AWS_REGION,
      ...(userName ? { 'aws:username': userName } : {}),
    };
    for (const [key, value] of Object.entries(target.requestTags ?? {})) context[`aws:RequestTag/${key}`] = value;
    if (target.tagKeys) context['aws:TagKeys'] = target.tagKeys;
    if (target.datastoreId && /^[0-9a-f]{32}$/.test(target.datastoreId) && mentionsResourceTags(principal)) {
      const datastore = await this.datastores.findById(target.datastoreId);
      for (const tag of datastore?.tags ?? []) context[`aws:ResourceTag/${tag.key}`] = tag.value;
    }
    return context;
  }
}

const resourceTagUse = new WeakMap<IamPrincipal['policies'], boolean>();

/** Looks datastore tags up only for principals whose policies test aws:ResourceTag. */
function mentionsResourceTags(principal: IamPrincipal): boolean {
  let uses = resourceTagUse.get(principal.policies);
  if (uses === undefined) {
    uses = principal.policies.some((p) => p.statements.some((s) => (s.conditions ?? []).some((c) => c.keyLower.startsWith('aws:resourcetag/'))));
    resourceTagUse.set(principal.policies, uses);
  }
  return uses;
}

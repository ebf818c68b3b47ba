import { evaluateRequest, type EvaluationResult } from './policy-evaluator';
import { parsePolicyDocument } from './policy-document';
import type { PolicyInput } from './policy-types';
import type { RequestPrincipal } from './principal';
import type { RequestContext } from './request-context';

/** Input of {@link evaluateTrustPolicy}. */
export interface TrustRequest {
  /** The role's trust (assume-role) policy. */
  readonly trustPolicy: PolicyInput;
  /** Who wants to assume the role, e.g. `{ type: 'Service', id: 'healthlake.amazonaws.com' }`. */
  readonly principal: RequestPrincipal;
  /** Defaults to `sts:AssumeRole`. */
  readonly action?: string;
  /** ARN of the role; used only for statements that carry a Resource and for messages. */
  readonly roleArn?: string;
  /** e.g. `{ 'aws:SourceAccount': '123456789012', 'aws:SourceArn': 'arn:aws:healthlake:...' }`. */
  readonly context?: RequestContext;
  /**
   * The caller's identity policies. When given (AWS principals), they must allow the action
   * on the role too; service principals have none.
   */
  readonly identityPolicies?: readonly PolicyInput[];
}

/**
 * Decides whether `principal` may perform `sts:AssumeRole` (or `action`) on a role: the trust
 * policy must allow it (with its conditions holding in `context`), no statement may deny it,
 * and, when `identityPolicies` are given, they must allow it as well.
 */
export function evaluateTrustPolicy(request: TrustRequest): EvaluationResult {
  const action = request.action ?? 'sts:AssumeRole';
  const resource = request.roleArn ?? '*';
  const trust = parsePolicyDocument(request.trustPolicy);
  const trustResult = evaluateRequest({
    action,
    resource,
    resourcePolicy: trust,
    principal: request.principal,
    crossAccountCheck: false,
    ...(request.context ? { context: request.context } : {}),
  });
  if (trustResult.decision !== 'Allow' || request.identityPolicies === undefined) {
    if (trustResult.decision === 'ImplicitDeny') {
      return { ...trustResult, reason: `trust policy does not allow ${describePrincipal(request.principal)} to perform ${action}` };
    }
    return trustResult;
  }
  const identityResult = evaluateRequest({
    action,
    resource,
    identityPolicies: request.identityPolicies,
    principal: request.principal,
    crossAccountCheck: false,
    ...(request.context ? { context: request.context } : {}),
  });
  if (identityResult.decision !== 'Allow') return identityResult;
  return {
    decision: 'Allow',
    matchedStatements: [...trustResult.matchedStatements, ...identityResult.matchedStatements],
    reason: `${trustResult.reason}; ${identityResult.reason}`,
  };
}

/** Shorthand: true when {@link evaluateTrustPolicy} decides `Allow`. */
export function canAssumeRole(request: TrustRequest): boolean {
  return evaluateTrustPolicy(request).decision === 'Allow';
}

function describePrincipal(principal: RequestPrincipal): string {
  switch (principal.type) {
    case 'AWS':
      return principal.arn ?? `account ${principal.account ?? 'unknown'}`;
    case 'Service':
    case 'Federated':
    case 'CanonicalUser':
      return principal.id;
    case 'Anonymous':
      return 'an anonymous caller';
    default:
      return principal satisfies never;
  }
}

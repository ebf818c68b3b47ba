import { parseArn } from './arn';
import { principalContextDefaults, type RequestPrincipal } from './principal';
import { parsePolicyDocument } from './policy-document';
import type { Effect, PolicyDocument, PolicyInput, PolicyStatement } from './policy-types';
import { normalizeContext, withDefaults, type RequestContext } from './request-context';
import { statementApplies, type NormalizedRequest } from './statement-matcher';

/** Final authorization decision. */
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** A statement that applied to the request. */
export interface MatchedStatement {
  readonly source: 'identity' | 'resource';
  /** Index into `identityPolicies` (always 0 for the resource policy). */
  readonly policyIndex: number;
  readonly statementIndex: number;
  readonly sid?: string;
  readonly effect: Effect;
}

/** Input of {@link evaluateRequest}. */
export interface EvaluationRequest {
  /** e.g. `healthlake:StartFHIRExportJob`. */
  readonly action: string;
  /** ARN of the resource acted on. */
  readonly resource: string;
  readonly context?: RequestContext;
  readonly identityPolicies?: readonly PolicyInput[];
  /** Resource-based policy (bucket policy, key policy, role trust policy...). */
  readonly resourcePolicy?: PolicyInput;
  /** The caller; needed for statements with Principal/NotPrincipal. */
  readonly principal?: RequestPrincipal;
  /** Apply the cross-account rule (both sides must allow); default true. */
  readonly crossAccountCheck?: boolean;
}

/** Output of {@link evaluateRequest}. */
export interface EvaluationResult {
  readonly decision: Decision;
  /** The deciding statements: the denies for ExplicitDeny, the allows for Allow, else empty. */
  readonly matchedStatements: readonly MatchedStatement[];
  /** Human-readable explanation, e.g. `explicit deny in statement Sid=DenyDelete`. */
  readonly reason: string;
}

/** Describes a statement for reasons: `Sid=X`, else its position. */
export function describeStatement(m: MatchedStatement): string {
  if (m.sid) return `Sid=${m.sid}`;
  const policy = m.source === 'identity' ? `identity policy #${m.policyIndex}` : 'the resource policy';
  return `#${m.statementIndex} of ${policy}`;
}

function describeAll(matches: readonly MatchedStatement[]): string {
  return matches.map(describeStatement).join(', ');
}

function matchesOf(
  doc: PolicyDocument,
  source: MatchedStatement['source'],
  policyIndex: number,
  request: NormalizedRequest,
): MatchedStatement[] {
  return doc.statements
    .filter((s: PolicyStatement) => statementApplies(s, doc, request))
    .map((s) => ({ source, policyIndex, statementIndex: s.index, ...(s.sid ? { sid: s.sid } : {}), effect: s.effect }));
}

function accountOfPrincipal(principal: RequestPrincipal | undefined): string | undefined {
  if (principal?.type !== 'AWS') return undefined;
  return principal.account ?? (principal.arn ? parseArn(principal.arn)?.account : undefined);
}

/**
 * Evaluates a request with IAM semantics: an applicable explicit `Deny` in any policy wins;
 * otherwise an applicable `Allow` in an identity policy or the resource policy allows;
 * otherwise the request is implicitly denied. When the caller is an AWS principal of another
 * account than the one in the resource ARN (a cross-account request), both an identity
 * policy and the resource policy must allow. Context keys `aws:PrincipalArn`,
 * `aws:PrincipalAccount` and `aws:PrincipalServiceName` are derived from `principal` unless
 * supplied. Raw policy inputs are parsed (and may throw {@link PolicyValidationError}).
 */
export function evaluateRequest(request: EvaluationRequest): EvaluationResult {
  const identity = (request.identityPolicies ?? []).map((p) => parsePolicyDocument(p));
  const resourcePolicy = request.resourcePolicy === undefined ? undefined : parsePolicyDocument(request.resourcePolicy);
  const normalized: NormalizedRequest = {
    action: request.action,
    resource: request.resource,
    ...(request.principal ? { principal: request.principal } : {}),
    context: withDefaults(normalizeContext(request.context), principalContextDefaults(request.principal)),
  };

  const identityMatches = identity.flatMap((doc, i) => matchesOf(doc, 'identity', i, normalized));
  const resourceMatches = resourcePolicy ? matchesOf(resourcePolicy, 'resource', 0, normalized) : [];
  const all = [...identityMatches, ...resourceMatches];
  const target = `${request.action} on ${request.resource}`;

  const denies = all.filter((m) => m.effect === 'Deny');
  if (denies.length > 0) {
    return { decision: 'ExplicitDeny', matchedStatements: denies, reason: `explicit deny in statement ${describeAll(denies)}` };
  }
  const identityAllows = identityMatches.filter((m) => m.effect === 'Allow');
  const resourceAllows = resourceMatches.filter((m) => m.effect === 'Allow');

  const callerAccount = accountOfPrincipal(request.principal);
  const resourceAccount = parseArn(request.resource)?.account;
  const crossAccount =
    request.crossAccountCheck !== false &&
    callerAccount !== undefined && !!resourceAccount && callerAccount !== resourceAccount;
  if (crossAccount) {
    if (identityAllows.length > 0 && resourceAllows.length > 0) {
      const allows = [...identityAllows, ...resourceAllows];
      return { decision: 'Allow', matchedStatements: allows, reason: `allowed by statement ${describeAll(allows)}` };
    }
    const missing = identityAllows.length === 0 ? 'no identity policy' : 'the resource policy does not';
    return {
      decision: 'ImplicitDeny',
      matchedStatements: [],
      reason: `cross-account request from ${callerAccount}: ${missing} allow${identityAllows.length === 0 ? 's' : ''} ${target}`,
    };
  }
  const allows = [...identityAllows, ...resourceAllows];
  if (allows.length > 0) {
    return { decision: 'Allow', matchedStatements: allows, reason: `allowed by statement ${describeAll(allows)}` };
  }
  return { decision: 'ImplicitDeny', matchedStatements: [], reason: `no statement allows ${target}` };
}

/** Shorthand: true when {@link evaluateRequest} decides `Allow`. */
export function isAllowed(request: EvaluationRequest): boolean {
  return evaluateRequest(request).decision === 'Allow';
}

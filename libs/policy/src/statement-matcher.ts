import { evaluateConditions } from './condition-evaluator';
import { principalMatches, type RequestPrincipal } from './principal';
import type { PolicyDocument, PolicyStatement } from './policy-types';
import { resolveTemplate } from './policy-variables';
import type { NormalizedContext } from './request-context';
import { compileParts, globMatches } from './wildcard-pattern';

/** A request after context normalisation. */
export interface NormalizedRequest {
  readonly action: string;
  readonly resource: string;
  readonly principal?: RequestPrincipal;
  readonly context: NormalizedContext;
}

/** Actions match case-insensitively, with `*`/`?` wildcards; no policy variables. */
export function actionMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((p) => globMatches(p, action, { caseInsensitive: true }));
}

/** Resources match case-sensitively; policy variables are resolved first (2012-10-17 only). */
export function resourceMatches(patterns: readonly string[], resource: string, context: NormalizedContext, variables: boolean): boolean {
  return patterns.some((p) => {
    const parts = resolveTemplate(p, context, variables);
    return parts !== undefined && compileParts(parts).test(resource);
  });
}

/** True when the statement's Action/NotAction element covers the action. */
export function statementCoversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.action) return actionMatches(statement.action, action);
  return statement.notAction !== undefined && !actionMatches(statement.notAction, action);
}

/** True when the statement's Principal/NotPrincipal element (if any) admits the caller. */
export function statementCoversPrincipal(statement: PolicyStatement, principal: RequestPrincipal | undefined): boolean {
  if (statement.principal) return principalMatches(statement.principal, principal);
  if (statement.notPrincipal) return !principalMatches(statement.notPrincipal, principal);
  return true;
}

/**
 * True when the statement applies to the request: action, resource (a statement without
 * Resource/NotResource, as in trust policies, applies to any resource), principal and all
 * conditions match.
 */
export function statementApplies(statement: PolicyStatement, document: PolicyDocument, request: NormalizedRequest): boolean {
  const variables = document.version === '2012-10-17';
  if (!statementCoversAction(statement, request.action)) return false;
  if (statement.resource && !resourceMatches(statement.resource, request.resource, request.context, variables)) return false;
  if (statement.notResource && resourceMatches(statement.notResource, request.resource, request.context, variables)) return false;
  if (!statementCoversPrincipal(statement, request.principal)) return false;
  return evaluateConditions(statement.conditions, request.context, variables);
}

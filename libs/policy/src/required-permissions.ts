import { evaluateConditions } from './condition-evaluator';
import { describeStatement, type Decision, type MatchedStatement } from './policy-evaluator';
import { parsePolicyDocument } from './policy-document';
import type { PolicyDocument, PolicyInput, PolicyStatement } from './policy-types';
import { principalContextDefaults, type RequestPrincipal } from './principal';
import { resolveTemplate } from './policy-variables';
import { normalizeContext, withDefaults, type NormalizedContext, type RequestContext } from './request-context';
import { statementCoversAction, statementCoversPrincipal } from './statement-matcher';
import { parseGlob, partsCover, partsIntersect, type PatternPart } from './wildcard-pattern';

/** An (action, resource pattern) pair a role must be granted. */
export interface RequiredPermission {
  /** A concrete action, e.g. `s3:PutObject`. */
  readonly action: string;
  /** A resource ARN that may contain `*`/`?`, e.g. `arn:aws:s3:::bucket/prefix*`. */
  readonly resource: string;
}

/** Options shared by the pattern checks. */
export interface PatternCheckOptions {
  /** Context used to evaluate statement conditions and policy variables. */
  readonly context?: RequestContext;
  readonly principal?: RequestPrincipal;
}

/** Outcome of {@link isAllowedForResourcePattern}. */
export interface PatternCheckResult {
  readonly allowed: boolean;
  readonly decision: Decision;
  /** Covering allows, or the denies that may apply. */
  readonly matchedStatements: readonly MatchedStatement[];
  readonly reason: string;
}

/** A required permission the policies do not grant. */
export interface MissingPermission extends RequiredPermission {
  readonly decision: Exclude<Decision, 'Allow'>;
  readonly matchedStatements: readonly MatchedStatement[];
  /** e.g. `missing s3:PutObject on arn:aws:s3:::bucket/prefix*`. */
  readonly reason: string;
}

function resolvedPatterns(patterns: readonly string[], context: NormalizedContext, variables: boolean): PatternPart[][] {
  return patterns.map((p) => resolveTemplate(p, context, variables)).filter((p): p is PatternPart[] => p !== undefined);
}

type ResourceTest = (statement: PolicyStatement, doc: PolicyDocument) => boolean;

/**
 * Decides whether `policies` grant `action` on every resource the glob `resourcePattern` can
 * name. Semantics, chosen to be safe for pre-flight checks:
 * - covered when a single applicable Allow statement covers the whole pattern: one of its
 *   Resource patterns matches every string the required pattern can match (so
 *   `arn:aws:s3:::bkt/*`, `arn:aws:s3:::bkt/exports/*` and `*` cover `arn:aws:s3:::bkt/exports/*`,
 *   `arn:aws:s3:::bkt/other/*` does not), or none of its NotResource patterns overlaps it;
 *   allows are not combined across statements;
 * - denied when an applicable Deny statement could match any resource of the pattern (a
 *   Resource pattern overlaps it, or no single NotResource pattern covers it);
 * - "applicable" means the action, the principal (if the statement names one) and the
 *   conditions, evaluated against `options.context`, all match.
 */
export function isAllowedForResourcePattern(
  policies: readonly PolicyInput[],
  action: string,
  resourcePattern: string,
  options: PatternCheckOptions = {},
): PatternCheckResult {
  const docs = policies.map((p) => parsePolicyDocument(p));
  const context = withDefaults(normalizeContext(options.context), principalContextDefaults(options.principal));
  const required = parseGlob(resourcePattern);
  const target = `${action} on ${resourcePattern}`;

  const collect = (effect: 'Allow' | 'Deny', resourceTest: ResourceTest): MatchedStatement[] =>
    docs.flatMap((doc, policyIndex) =>
      doc.statements
        .filter(
          (s) =>
            s.effect === effect &&
            statementCoversAction(s, action) &&
            statementCoversPrincipal(s, options.principal) &&
            resourceTest(s, doc) &&
            evaluateConditions(s.conditions, context, doc.version === '2012-10-17'),
        )
        .map((s) => ({ source: 'identity' as const, policyIndex, statementIndex: s.index, ...(s.sid ? { sid: s.sid } : {}), effect })),
    );

  const variablesOf = (doc: PolicyDocument): boolean => doc.version === '2012-10-17';
  const denies = collect('Deny', (s, doc) => {
    if (s.resource) return resolvedPatterns(s.resource, context, variablesOf(doc)).some((p) => partsIntersect(p, required));
    if (s.notResource) return !resolvedPatterns(s.notResource, context, variablesOf(doc)).some((p) => partsCover(p, required));
    return true;
  });
  if (denies.length > 0) {
    const reason = `${target} is explicitly denied by statement ${denies.map(describeStatement).join(', ')}`;
    return { allowed: false, decision: 'ExplicitDeny', matchedStatements: denies, reason };
  }
  const allows = collect('Allow', (s, doc) => {
    if (s.resource) return resolvedPatterns(s.resource, context, variablesOf(doc)).some((p) => partsCover(p, required));
    if (s.notResource) return !resolvedPatterns(s.notResource, context, variablesOf(doc)).some((p) => partsIntersect(p, required));
    return true;
  });
  if (allows.length === 0) return { allowed: false, decision: 'ImplicitDeny', matchedStatements: [], reason: `missing ${target}` };
  return { allowed: true, decision: 'Allow', matchedStatements: allows, reason: `${target} allowed by statement ${allows.map(describeStatement).join(', ')}` };
}

/**
 * Returns the required permissions that `policies` do not grant, in input order, each with a
 * reason such as `missing s3:PutObject on arn:aws:s3:::bucket/prefix*`. See
 * {@link isAllowedForResourcePattern} for the coverage semantics.
 */
export function findMissingPermissions(
  policies: readonly PolicyInput[],
  required: readonly RequiredPermission[],
  options: PatternCheckOptions = {},
): MissingPermission[] {
  const docs = policies.map((p) => parsePolicyDocument(p));
  return required.flatMap((req) => {
    const result = isAllowedForResourcePattern(docs, req.action, req.resource, options);
    if (result.decision === 'Allow') return [];
    return [{ action: req.action, resource: req.resource, decision: result.decision, matchedStatements: result.matchedStatements, reason: result.reason }];
  });
}

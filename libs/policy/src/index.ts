export { PolicyValidationError } from './policy-validation.error';
export type { ConditionClause, Effect, PolicyDocument, PolicyInput, PolicyStatement, PolicyVersion, PrincipalSpec } from './policy-types';
export { isParsedPolicy, parsePolicyDocument, type ParsePolicyOptions, type PolicyKind } from './policy-document';
export { parseConditionOperator, type BaseOperatorName, type ConditionOperator, type SetQualifier } from './condition-operators';
export { evaluateCondition, evaluateConditions } from './condition-evaluator';
export { normalizeContext, type ContextScalar, type ContextValue, type NormalizedContext, type RequestContext } from './request-context';
export { principalMatches, type RequestPrincipal } from './principal';
export { arnMatches, parseArn, type ArnComponents } from './arn';
export { globMatches, parseGlob, partsCover, partsIntersect, type PatternPart } from './wildcard-pattern';
export {
  describeStatement,
  evaluateRequest,
  isAllowed,
  type Decision,
  type EvaluationRequest,
  type EvaluationResult,
  type MatchedStatement,
} from './policy-evaluator';
export { canAssumeRole, evaluateTrustPolicy, type TrustRequest } from './trust-policy';
export {
  findMissingPermissions,
  isAllowedForResourcePattern,
  type MissingPermission,
  type PatternCheckOptions,
  type PatternCheckResult,
  type RequiredPermission,
} from './required-permissions';
export {
  parseResourceScope,
  parseSmartScopes,
  type InvalidScope,
  type ParsedSmartScopes,
  type SmartContextKind,
  type SmartInteraction,
  type SmartScope,
} from './smart-scopes';
export { authorizeSmartAccess, type FhirInteraction, type SearchParams, type SmartAccessDecision, type SmartAccessRequest } from './smart-scope-authorizer';

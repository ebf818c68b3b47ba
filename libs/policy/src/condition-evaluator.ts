import { prepareMatcher, type ValueMatcher } from './condition-operators';
import type { ConditionClause } from './policy-types';
import type { NormalizedContext } from './request-context';

/**
 * Evaluates one condition clause with IAM semantics:
 * - several policy values for a key are OR-ed; for negated operators (`StringNotEquals`,
 *   `NotIpAddress`, ...) they are NOR-ed: the context value must match none of them;
 * - a missing key makes a clause false, except for negated operators (true), `...IfExists`
 *   (true), `ForAllValues:` (true, also for an empty value list) and `ForAnyValue:` (false);
 * - without a set qualifier, a multi-valued context key is satisfied when any of its values
 *   matches (for negated operators: when none matches any policy value);
 * - `Null: true` holds when the key is absent (or an empty list), `Null: false` when present;
 * - a policy value whose variable cannot be resolved matches nothing.
 */
export function evaluateCondition(clause: ConditionClause, context: NormalizedContext, variables: boolean): boolean {
  const { operator } = clause;
  const actual = context.get(clause.keyLower);
  const missing = actual === undefined || actual.length === 0;

  if (operator.base === 'Null') {
    return clause.values.some((v) => (v.toLowerCase() === 'true' ? missing : !missing));
  }
  if (missing) {
    if (operator.ifExists || operator.qualifier === 'ForAllValues') return true;
    if (operator.qualifier === 'ForAnyValue') return false;
    return operator.negated;
  }

  const matchers = clause.values
    .map((v) => prepareMatcher(operator, v, context, variables))
    .filter((m): m is ValueMatcher => m !== undefined);
  const matchesAny = (v: string): boolean => matchers.some((m) => m(v));
  const valueOk = (v: string): boolean => (operator.negated ? !matchesAny(v) : matchesAny(v));

  switch (operator.qualifier) {
    case 'ForAnyValue':
      return actual.some(valueOk);
    case 'ForAllValues':
      return actual.every(valueOk);
    case undefined:
      return operator.negated ? actual.every(valueOk) : actual.some(valueOk);
    default:
      return operator.qualifier satisfies never;
  }
}

/** All clauses must hold (keys and operators are AND-ed). */
export function evaluateConditions(
  clauses: readonly ConditionClause[],
  context: NormalizedContext,
  variables: boolean,
): boolean {
  return clauses.every((clause) => evaluateCondition(clause, context, variables));
}

import type { ConditionOperator } from './condition-operators';

/** Statement effect. */
export type Effect = 'Allow' | 'Deny';

/** Accepted policy language versions; policy variables are only substituted in `2012-10-17`. */
export type PolicyVersion = '2012-10-17' | '2008-10-17';

/** Normalised `Principal`/`NotPrincipal` element. */
export interface PrincipalSpec {
  /** `"Principal": "*"` or `{"AWS": "*"}`: everyone, including anonymous callers. */
  readonly wildcard: boolean;
  /** Account ids and ARNs from `Principal.AWS`. */
  readonly aws: readonly string[];
  /** Service principals, e.g. `healthlake.amazonaws.com`. */
  readonly service: readonly string[];
  /** Identity providers from `Principal.Federated`. */
  readonly federated: readonly string[];
  /** Canonical user ids. */
  readonly canonicalUser: readonly string[];
}

/** One `operator → key → values` triple of a `Condition` block. */
export interface ConditionClause {
  readonly operator: ConditionOperator;
  /** Condition key as written. */
  readonly key: string;
  /** Key lower-cased: condition keys are case-insensitive. */
  readonly keyLower: string;
  /** Values as strings (numbers and booleans are stringified). */
  readonly values: readonly string[];
}

/** A validated, normalised statement; list-valued elements are always arrays. */
export interface PolicyStatement {
  /** Position in the document's `Statement` array. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly principal?: PrincipalSpec;
  readonly notPrincipal?: PrincipalSpec;
  /** All clauses are AND-ed. */
  readonly conditions: readonly ConditionClause[];
}

/** A parsed policy document (the result of {@link parsePolicyDocument}). */
export interface PolicyDocument {
  /** Discriminant so parsed documents can be told apart from raw JSON objects. */
  readonly kind: 'PolicyDocument';
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly PolicyStatement[];
}

/** A parsed document, a JSON string, or an already-parsed JSON object. */
export type PolicyInput = PolicyDocument | string | object;

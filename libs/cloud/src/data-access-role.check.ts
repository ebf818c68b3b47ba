import {
  evaluateTrustPolicy,
  isAllowedForResourcePattern,
  parsePolicyDocument,
  type MatchedStatement,
  type PolicyDocument,
  type RequestContext,
} from '@fhirlake/policy';
import type { JobPermission } from './job-permissions';

/** One permission policy of a role, as IAM returns it (document already URL-decoded). */
export interface RolePolicy {
  /** Inline policy name, or the managed policy's ARN. */
  readonly name: string;
  readonly kind: 'inline' | 'managed';
  readonly document: string;
}

/** A data access role's policies, as {@link readDataAccessRole} reads them. */
export interface DataAccessRoleDocuments {
  readonly arn: string;
  /** The trust (assume-role) policy, URL-decoded. */
  readonly trustPolicy: string;
  readonly policies: readonly RolePolicy[];
}

/** Who assumes the role, and for which datastore (the confused-deputy context). */
export interface TrustExpectation {
  /** e.g. `healthlake.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** Value of `aws:SourceAccount`. */
  readonly accountId: string;
  /** Value of `aws:SourceArn`: the datastore the job belongs to. */
  readonly datastoreArn: string;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Why the service may not assume the role for this datastore, or undefined when it may: the trust
 * policy must allow the service principal `sts:AssumeRole` with `aws:SourceAccount` = the account
 * and `aws:SourceArn` = the datastore ARN, so a role trusted for datastore A is refused for B.
 */
export function trustProblem(role: DataAccessRoleDocuments, expected: TrustExpectation): string | undefined {
  const who = `Data access role ${role.arn}`;
  let trust: PolicyDocument;
  try {
    trust = parsePolicyDocument(role.trustPolicy, { kind: 'trust' });
  } catch (error) {
    return `${who} has a trust policy that cannot be evaluated (${errorMessage(error)})`;
  }
  const principal = { type: 'Service', id: expected.servicePrincipal } as const;
  const context = { 'aws:SourceAccount': expected.accountId, 'aws:SourceArn': expected.datastoreArn };
  const result = evaluateTrustPolicy({ trustPolicy: trust, principal, roleArn: role.arn, context });
  if (result.decision === 'Allow') return undefined;
  const target = `datastore ${expected.datastoreArn} (account ${expected.accountId})`;
  if (result.decision === 'ExplicitDeny') return `${who}: its trust policy denies ${expected.servicePrincipal} sts:AssumeRole for ${target}`;
  // Without conditions, would the principal be trusted? Then the conditions pin another datastore or account.
  const unconditional: PolicyDocument = { ...trust, statements: trust.statements.map((s) => ({ ...s, conditions: [] })) };
  const loose = evaluateTrustPolicy({ trustPolicy: unconditional, principal, roleArn: role.arn, context });
  if (loose.decision === 'Allow') {
    const keys = [...new Set(loose.matchedStatements.flatMap((m) => trust.statements[m.statementIndex]?.conditions.map((c) => c.key) ?? []))];
    return `${who} trusts ${expected.servicePrincipal} only under conditions (${keys.join(', ')}) that do not hold for ${target}`;
  }
  return `${who} does not trust ${expected.servicePrincipal}: its trust policy does not allow the service to sts:AssumeRole`;
}

/**
 * The permissions of `required` that the role's policies do not grant, one message each, e.g.
 * `Data access role arn:aws:iam::000000000000:role/r is missing s3:PutObject on arn:aws:s3:::out/exports/*`.
 * An explicit Deny is named with the policy and statement that denies. A policy that cannot be
 * parsed is reported and left out (the job fails anyway).
 */
export function permissionProblems(role: DataAccessRoleDocuments, required: readonly JobPermission[], context: RequestContext = {}): string[] {
  const who = `Data access role ${role.arn}`;
  const problems: string[] = [];
  const docs: Array<{ name: string; doc: PolicyDocument }> = [];
  for (const policy of role.policies) {
    try {
      docs.push({ name: policy.name, doc: parsePolicyDocument(policy.document, { kind: 'identity' }) });
    } catch (error) {
      problems.push(`${who} has ${policy.kind} policy ${policy.name} that cannot be evaluated (${errorMessage(error)})`);
    }
  }
  const describe = (m: MatchedStatement): string => `${docs[m.policyIndex]?.name ?? '?'} (statement ${m.sid ? `Sid=${m.sid}` : `#${m.statementIndex}`})`;
  const principal = { type: 'AWS', arn: role.arn } as const;
  const seen = new Set<string>();
  for (const permission of required) {
    const key = `${permission.action} ${permission.resource}`;
    if (seen.has(key)) continue;
    const result = isAllowedForResourcePattern(
      docs.map((d) => d.doc),
      permission.action,
      permission.resource,
      { principal, context: { ...context, ...permission.context } },
    );
    if (result.decision === 'Allow') continue;
    seen.add(key);
    if (result.decision === 'ExplicitDeny') {
      problems.push(`${who} is denied ${permission.action} on ${permission.resource} by ${result.matchedStatements.map(describe).join(', ')}`);
    } else {
      problems.push(`${who} is missing ${permission.action} on ${permission.resource}`);
    }
  }
  return problems;
}

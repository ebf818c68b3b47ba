import { evaluateRequest, type Decision } from './policy-evaluator';
import type { RequestPrincipal } from './principal';
import type { RequestContext } from './request-context';

type Statement = Record<string, unknown>;
type Row = [label: string, statements: Statement[], action: string, resource: string, expected: Decision];

const DS = 'arn:aws:healthlake:us-east-1:123456789012:datastore/fhir/abc';
const allow = (extra: Statement): Statement => ({ Effect: 'Allow', ...extra });
const deny = (extra: Statement): Statement => ({ Effect: 'Deny', ...extra });

const rows: Row[] = [
  ['default deny with no matching statement', [allow({ Action: 's3:GetObject', Resource: '*' })], 'healthlake:ReadResource', DS, 'ImplicitDeny'],
  ['exact action allow', [allow({ Action: 'healthlake:ReadResource', Resource: DS })], 'healthlake:ReadResource', DS, 'Allow'],
  ['actions match case-insensitively', [allow({ Action: 'HealthLake:readresource', Resource: DS })], 'healthlake:ReadResource', DS, 'Allow'],
  ['action * wildcard', [allow({ Action: 'healthlake:*', Resource: DS })], 'healthlake:DeleteFHIRDatastore', DS, 'Allow'],
  ['action prefix wildcard', [allow({ Action: 'healthlake:Describe*', Resource: '*' })], 'healthlake:DescribeFHIRExportJob', DS, 'Allow'],
  ['action prefix wildcard miss', [allow({ Action: 'healthlake:Describe*', Resource: '*' })], 'healthlake:ListFHIRExportJobs', DS, 'ImplicitDeny'],
  ['action ? wildcard', [allow({ Action: 's3:?etObject', Resource: '*' })], 's3:GetObject', 'arn:aws:s3:::b/k', 'Allow'],
  ['action of another service', [allow({ Action: 's3:*', Resource: '*' })], 'healthlake:ReadResource', DS, 'ImplicitDeny'],
  ['global * action', [allow({ Action: '*', Resource: '*' })], 'kms:Decrypt', 'arn:aws:kms:us-east-1:1:key/k', 'Allow'],
  ['action list', [allow({ Action: ['s3:PutObject', 's3:GetObject'], Resource: '*' })], 's3:GetObject', 'arn:aws:s3:::b/k', 'Allow'],
  ['NotAction allows others', [allow({ NotAction: 'iam:*', Resource: '*' })], 's3:GetObject', 'arn:aws:s3:::b/k', 'Allow'],
  ['NotAction excludes listed', [allow({ NotAction: 'iam:*', Resource: '*' })], 'iam:CreateUser', 'arn:aws:iam::1:user/u', 'ImplicitDeny'],
  ['NotAction case-insensitive', [allow({ NotAction: 'IAM:*', Resource: '*' })], 'iam:CreateUser', 'arn:aws:iam::1:user/u', 'ImplicitDeny'],
  ['Deny with NotAction denies everything else', [allow({ Action: '*', Resource: '*' }), deny({ NotAction: 'healthlake:Read*', Resource: '*' })], 'healthlake:DeleteResource', DS, 'ExplicitDeny'],
  ['Deny with NotAction spares listed', [allow({ Action: '*', Resource: '*' }), deny({ NotAction: 'healthlake:Read*', Resource: '*' })], 'healthlake:ReadResource', DS, 'Allow'],
  ['exact resource', [allow({ Action: '*', Resource: DS })], 'healthlake:ReadResource', DS, 'Allow'],
  ['resources are case-sensitive', [allow({ Action: '*', Resource: DS.replace('abc', 'ABC') })], 'healthlake:ReadResource', DS, 'ImplicitDeny'],
  ['resource * wildcard', [allow({ Action: '*', Resource: 'arn:aws:healthlake:*:123456789012:datastore/fhir/*' })], 'healthlake:ReadResource', DS, 'Allow'],
  ['resource ? wildcard', [allow({ Action: '*', Resource: 'arn:aws:s3:::b/file?.txt' })], 's3:GetObject', 'arn:aws:s3:::b/file1.txt', 'Allow'],
  ['resource ? needs exactly one char', [allow({ Action: '*', Resource: 'arn:aws:s3:::b/file?.txt' })], 's3:GetObject', 'arn:aws:s3:::b/file.txt', 'ImplicitDeny'],
  ['bucket ARN does not cover objects', [allow({ Action: '*', Resource: 'arn:aws:s3:::b' })], 's3:GetObject', 'arn:aws:s3:::b/k', 'ImplicitDeny'],
  ['resource list', [allow({ Action: '*', Resource: ['arn:aws:s3:::a/*', 'arn:aws:s3:::b/*'] })], 's3:GetObject', 'arn:aws:s3:::b/k', 'Allow'],
  ['NotResource allows others', [allow({ Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })], 's3:GetObject', 'arn:aws:s3:::b/k', 'Allow'],
  ['NotResource excludes listed', [allow({ Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })], 's3:GetObject', 'arn:aws:s3:::secret/k', 'ImplicitDeny'],
  ['Deny with NotResource', [allow({ Action: 's3:*', Resource: '*' }), deny({ Action: 's3:*', NotResource: 'arn:aws:s3:::ok/*' })], 's3:GetObject', 'arn:aws:s3:::other/k', 'ExplicitDeny'],
  ['Deny with NotResource spares listed', [allow({ Action: 's3:*', Resource: '*' }), deny({ Action: 's3:*', NotResource: 'arn:aws:s3:::ok/*' })], 's3:GetObject', 'arn:aws:s3:::ok/k', 'Allow'],
  ['explicit deny beats allow', [allow({ Action: '*', Resource: '*' }), deny({ Action: 'healthlake:DeleteFHIRDatastore', Resource: '*' })], 'healthlake:DeleteFHIRDatastore', DS, 'ExplicitDeny'],
  ['deny order does not matter', [deny({ Action: 'healthlake:Delete*', Resource: '*' }), allow({ Action: '*', Resource: '*' })], 'healthlake:DeleteFHIRDatastore', DS, 'ExplicitDeny'],
  ['deny on other resource does not apply', [allow({ Action: '*', Resource: '*' }), deny({ Action: '*', Resource: 'arn:aws:s3:::x/*' })], 'healthlake:ReadResource', DS, 'Allow'],
  ['deny whose condition fails does not apply', [allow({ Action: '*', Resource: '*' }), deny({ Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })], 'healthlake:ReadResource', DS, 'Allow'],
  ['deny alone is still a denial', [deny({ Action: 's3:*', Resource: 'arn:aws:s3:::x/*' })], 'healthlake:ReadResource', DS, 'ImplicitDeny'],
  ['resource variable ${aws:username}', [allow({ Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*' })], 's3:GetObject', 'arn:aws:s3:::home/alice/x', 'Allow'],
  ['resource variable other user', [allow({ Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*' })], 's3:GetObject', 'arn:aws:s3:::home/bob/x', 'ImplicitDeny'],
];

describe('statement element decision table', () => {
  it.each(rows)('%s', (_label, statements, action, resource, expected) => {
    const policy = { Version: '2012-10-17', Statement: statements };
    const result = evaluateRequest({ action, resource, identityPolicies: [policy], context: { 'aws:username': 'alice', 'aws:SecureTransport': true } });
    expect(result.decision).toBe(expected);
  });
});

describe('evaluateRequest', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/Reader';
  const alice: RequestPrincipal = { type: 'AWS', arn: 'arn:aws:iam::123456789012:user/alice' };
  const outsider: RequestPrincipal = { type: 'AWS', arn: 'arn:aws:iam::999999999999:user/mallory' };

  it('names the denying statement by Sid', () => {
    const result = evaluateRequest({
      action: 'healthlake:DeleteFHIRDatastore',
      resource: DS,
      identityPolicies: [{ Version: '2012-10-17', Statement: [allow({ Action: '*', Resource: '*' }), deny({ Sid: 'DenyDelete', Action: 'healthlake:Delete*', Resource: '*' })] }],
    });
    expect(result).toEqual({
      decision: 'ExplicitDeny',
      matchedStatements: [{ source: 'identity', policyIndex: 0, statementIndex: 1, sid: 'DenyDelete', effect: 'Deny' }],
      reason: 'explicit deny in statement Sid=DenyDelete',
    });
  });

  it('explains an implicit deny', () => {
    const result = evaluateRequest({ action: 'healthlake:DeleteFHIRDatastore', resource: DS, identityPolicies: [] });
    expect(result).toEqual({ decision: 'ImplicitDeny', matchedStatements: [], reason: `no statement allows healthlake:DeleteFHIRDatastore on ${DS}` });
  });

  it('names unnamed statements by position', () => {
    const result = evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', identityPolicies: [{ Statement: allow({ Action: '*', Resource: '*' }) }] });
    expect(result.reason).toBe('allowed by statement #0 of identity policy #0');
  });

  it('lets a resource policy alone allow a same-account principal', () => {
    const bucketPolicy = { Version: '2012-10-17', Statement: [allow({ Principal: { AWS: '123456789012' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' })] };
    expect(evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: bucketPolicy, principal: alice }).decision).toBe('Allow');
    expect(evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: bucketPolicy, principal: outsider }).decision).toBe('ImplicitDeny');
  });

  it('requires both sides to allow a cross-account request', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/k';
    const keyPolicy = { Version: '2012-10-17', Statement: [allow({ Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:Decrypt', Resource: '*' })] };
    const identity = { Version: '2012-10-17', Statement: [allow({ Action: 'kms:Decrypt', Resource: keyArn })] };
    const base = { action: 'kms:Decrypt', resource: keyArn, principal: outsider };
    expect(evaluateRequest({ ...base, resourcePolicy: keyPolicy }).reason).toBe(`cross-account request from 999999999999: no identity policy allows kms:Decrypt on ${keyArn}`);
    expect(evaluateRequest({ ...base, identityPolicies: [identity] }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest({ ...base, identityPolicies: [identity], resourcePolicy: keyPolicy }).decision).toBe('Allow');
  });

  it('applies resource-policy denies by NotPrincipal', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [allow({ Principal: '*', Action: 's3:*', Resource: '*' }), deny({ NotPrincipal: { AWS: ROLE }, Action: 's3:DeleteObject', Resource: '*' })],
    };
    const del = (principal: RequestPrincipal) => evaluateRequest({ action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: policy, principal }).decision;
    expect(del(alice)).toBe('ExplicitDeny');
    expect(del({ type: 'AWS', arn: 'arn:aws:sts::123456789012:assumed-role/Reader/session-1' })).toBe('Allow');
  });

  it('derives aws:PrincipalAccount from the principal', () => {
    const policy = { Version: '2012-10-17', Statement: [allow({ Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } } })] };
    const run = (principal: RequestPrincipal, context?: RequestContext) =>
      evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: policy, principal, ...(context ? { context } : {}) }).decision;
    expect(run(alice)).toBe('Allow');
    expect(run({ type: 'Service', id: 'healthlake.amazonaws.com' })).toBe('ImplicitDeny');
  });

  it('does not apply Principal statements without a caller, except "*"', () => {
    const named = { Statement: allow({ Principal: { Service: 'healthlake.amazonaws.com' }, Action: '*', Resource: '*' }) };
    const anyone = { Statement: allow({ Principal: '*', Action: '*', Resource: '*' }) };
    expect(evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: named }).decision).toBe('ImplicitDeny');
    expect(evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: anyone }).decision).toBe('Allow');
  });

  it('accepts JSON strings and parsed documents alike', () => {
    const json = JSON.stringify({ Version: '2012-10-17', Statement: allow({ Action: '*', Resource: '*' }) });
    expect(evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', identityPolicies: [json] }).decision).toBe('Allow');
  });
});

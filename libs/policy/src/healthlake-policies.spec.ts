import { evaluateRequest } from './policy-evaluator';
import { parsePolicyDocument } from './policy-document';
import { PolicyValidationError } from './policy-validation.error';
import { findMissingPermissions, type RequiredPermission } from './required-permissions';
import { canAssumeRole, evaluateTrustPolicy } from './trust-policy';

// Policies reconstructed from the AWS HealthLake developer guide ("Setting up permissions for
// import jobs" / "... for export jobs"), with placeholders replaced by concrete values.
const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const KMS_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/d330e7fc-b56c-4216-a250-f4c43ef46e83`;
const DATASTORE_A = `arn:aws:healthlake:us-east-1:${ACCOUNT}:datastore/fhir/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`;
const DATASTORE_B = `arn:aws:healthlake:us-east-1:${ACCOUNT}:datastore/fhir/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`;
const HEALTHLAKE = { type: 'Service', id: 'healthlake.amazonaws.com' } as const;

const exportRolePolicy = {
  Version: '2012-10-17',
  Statement: [
    { Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::amzn-s3-demo-bucket/*'], Effect: 'Allow' },
    {
      Action: ['s3:ListBucket', 's3:GetBucketPublicAccessBlock', 's3:GetEncryptionConfiguration'],
      Resource: 'arn:aws:s3:::amzn-s3-demo-bucket',
      Effect: 'Allow',
    },
    { Action: ['kms:DescribeKey', 'kms:GenerateDataKey'], Resource: [KMS_KEY], Effect: 'Allow' },
  ],
};

const importRolePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Action: ['s3:ListBucket', 's3:GetBucketPublicAccessBlock', 's3:GetEncryptionConfiguration'],
      Resource: ['arn:aws:s3:::amzn-s3-demo-source-bucket', 'arn:aws:s3:::amzn-s3-demo-logging-bucket'],
      Effect: 'Allow',
    },
    { Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::amzn-s3-demo-source-bucket/*'], Effect: 'Allow' },
    { Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::amzn-s3-demo-logging-bucket/*'], Effect: 'Allow' },
    { Action: ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'], Resource: [KMS_KEY], Effect: 'Allow' },
  ],
};

const trustPolicyFor = (datastoreArn: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: ['healthlake.amazonaws.com'] },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnEquals: { 'aws:SourceArn': datastoreArn },
      },
    },
  ],
});

// The "user who sets up permissions" policy; the guide prints it without the comma after
// "iam:PassRole", which must be rejected as JSON, so the fixed form is used for evaluation.
const callerPolicyAsPrinted = `{ "Version": "2012-10-17", "Statement": [{ "Action": ["iam:CreateRole", "iam:CreatePolicy", "iam:AttachRolePolicy"], "Effect": "Allow", "Resource": "*" }, { "Action": "iam:PassRole" "Effect": "Allow", "Resource": "*", "Condition": { "StringEquals": { "iam:PassedToService": "healthlake.amazonaws.com" } } }] }`;
const callerPolicy = callerPolicyAsPrinted.replace('"iam:PassRole" "Effect"', '"iam:PassRole", "Effect"');

const exportRequirements = (bucket: string, prefix: string): RequiredPermission[] => [
  { action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/${prefix}*` },
  { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` },
  { action: 's3:GetBucketPublicAccessBlock', resource: `arn:aws:s3:::${bucket}` },
  { action: 's3:GetEncryptionConfiguration', resource: `arn:aws:s3:::${bucket}` },
  { action: 'kms:DescribeKey', resource: KMS_KEY },
  { action: 'kms:GenerateDataKey', resource: KMS_KEY },
];

describe('HealthLake export data access role', () => {
  it('parses as an identity policy', () => {
    expect(parsePolicyDocument(exportRolePolicy, { kind: 'identity' }).statements).toHaveLength(3);
  });

  it('grants every permission an export to the documented bucket needs', () => {
    expect(findMissingPermissions([exportRolePolicy], exportRequirements('amzn-s3-demo-bucket', 'exports/'))).toEqual([]);
  });

  it('names exactly what is missing for another bucket', () => {
    const missing = findMissingPermissions([exportRolePolicy], exportRequirements('other-bucket', 'out/'));
    expect(missing.map((m) => m.reason)).toEqual([
      'missing s3:PutObject on arn:aws:s3:::other-bucket/out/*',
      'missing s3:ListBucket on arn:aws:s3:::other-bucket',
      'missing s3:GetBucketPublicAccessBlock on arn:aws:s3:::other-bucket',
      'missing s3:GetEncryptionConfiguration on arn:aws:s3:::other-bucket',
    ]);
  });

  it('does not grant import-only permissions', () => {
    const missing = findMissingPermissions([exportRolePolicy], [
      { action: 's3:GetObject', resource: 'arn:aws:s3:::amzn-s3-demo-bucket/input/*' },
      { action: 'kms:Decrypt', resource: KMS_KEY },
    ]);
    expect(missing.map((m) => m.action)).toEqual(['s3:GetObject', 'kms:Decrypt']);
  });

  it('allows a concrete PutObject and denies it on a different key', () => {
    const put = (resource: string) =>
      evaluateRequest({ action: 's3:PutObject', resource, identityPolicies: [exportRolePolicy] }).decision;
    expect(put('arn:aws:s3:::amzn-s3-demo-bucket/exports/job-1/Patient-1.ndjson')).toBe('Allow');
    expect(put('arn:aws:s3:::amzn-s3-demo-bucket-2/x')).toBe('ImplicitDeny');
  });

  it('reports an explicit deny added to the role', () => {
    const deny = {
      Version: '2012-10-17',
      Statement: { Sid: 'NoExportsPrefix', Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::amzn-s3-demo-bucket/exports/secret/*' },
    };
    const [missing] = findMissingPermissions([exportRolePolicy, deny], [{ action: 's3:PutObject', resource: 'arn:aws:s3:::amzn-s3-demo-bucket/exports/*' }]);
    expect(missing?.decision).toBe('ExplicitDeny');
    expect(missing?.reason).toContain('Sid=NoExportsPrefix');
  });
});

describe('HealthLake import data access role', () => {
  const requirements: RequiredPermission[] = [
    { action: 's3:ListBucket', resource: 'arn:aws:s3:::amzn-s3-demo-source-bucket' },
    { action: 's3:GetBucketPublicAccessBlock', resource: 'arn:aws:s3:::amzn-s3-demo-source-bucket' },
    { action: 's3:GetEncryptionConfiguration', resource: 'arn:aws:s3:::amzn-s3-demo-logging-bucket' },
    { action: 's3:GetObject', resource: 'arn:aws:s3:::amzn-s3-demo-source-bucket/fhir/*' },
    { action: 's3:PutObject', resource: 'arn:aws:s3:::amzn-s3-demo-logging-bucket/import-output/*' },
    { action: 'kms:DescribeKey', resource: KMS_KEY },
    { action: 'kms:GenerateDataKey', resource: KMS_KEY },
    { action: 'kms:Decrypt', resource: KMS_KEY },
  ];

  it('grants every permission an import needs', () => {
    expect(findMissingPermissions([importRolePolicy], requirements)).toEqual([]);
  });

  it('does not let the role write into the input bucket or read the output bucket', () => {
    const missing = findMissingPermissions([importRolePolicy], [
      { action: 's3:PutObject', resource: 'arn:aws:s3:::amzn-s3-demo-source-bucket/*' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::amzn-s3-demo-logging-bucket/import-output/*' },
    ]);
    expect(missing).toHaveLength(2);
  });

  it('is missing kms:Decrypt when only the export key statement is present', () => {
    const missing = findMissingPermissions([exportRolePolicy], [{ action: 'kms:Decrypt', resource: KMS_KEY }]);
    expect(missing[0]?.reason).toBe(`missing kms:Decrypt on ${KMS_KEY}`);
  });
});

describe('HealthLake data access role trust policy', () => {
  const sourceContext = (datastore: string, account = ACCOUNT) => ({ 'aws:SourceAccount': account, 'aws:SourceArn': datastore });

  it('parses as a trust policy', () => {
    expect(parsePolicyDocument(trustPolicyFor(DATASTORE_A), { kind: 'trust' }).statements[0]?.principal?.service).toEqual(['healthlake.amazonaws.com']);
  });

  it('lets HealthLake assume the role for datastore A', () => {
    const result = evaluateTrustPolicy({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: HEALTHLAKE, context: sourceContext(DATASTORE_A) });
    expect(result.decision).toBe('Allow');
  });

  it('does not let a role trusted only for datastore A be used for datastore B', () => {
    expect(canAssumeRole({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: HEALTHLAKE, context: sourceContext(DATASTORE_B) })).toBe(false);
  });

  it('rejects a confused deputy from another account', () => {
    const foreign = DATASTORE_A.replace(ACCOUNT, OTHER_ACCOUNT);
    expect(canAssumeRole({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: HEALTHLAKE, context: sourceContext(foreign, OTHER_ACCOUNT) })).toBe(false);
  });

  it('requires the source context keys to be present', () => {
    expect(canAssumeRole({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: HEALTHLAKE })).toBe(false);
  });

  it('does not trust other services or AWS principals', () => {
    const context = sourceContext(DATASTORE_A);
    expect(canAssumeRole({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: { type: 'Service', id: 'ec2.amazonaws.com' }, context })).toBe(false);
    const result = evaluateTrustPolicy({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: { type: 'AWS', arn: `arn:aws:iam::${ACCOUNT}:user/alice` }, context });
    expect(result.decision).toBe('ImplicitDeny');
    expect(result.reason).toBe(`trust policy does not allow arn:aws:iam::${ACCOUNT}:user/alice to perform sts:AssumeRole`);
  });

  it('only covers sts:AssumeRole', () => {
    expect(canAssumeRole({ trustPolicy: trustPolicyFor(DATASTORE_A), principal: HEALTHLAKE, action: 'sts:TagSession', context: sourceContext(DATASTORE_A) })).toBe(false);
  });

  it('accepts a wildcard datastore ARN for any datastore of the account', () => {
    const any = trustPolicyFor(`arn:aws:healthlake:us-east-1:${ACCOUNT}:datastore/fhir/*`);
    expect(canAssumeRole({ trustPolicy: any, principal: HEALTHLAKE, context: sourceContext(DATASTORE_B) })).toBe(true);
  });
});

describe('caller policy with iam:PassRole', () => {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/HealthLakeDataAccess`;

  it('rejects the policy exactly as printed in the guide (missing comma)', () => {
    expect(() => parsePolicyDocument(callerPolicyAsPrinted)).toThrow(PolicyValidationError);
    expect(() => parsePolicyDocument(callerPolicyAsPrinted)).toThrow(/not valid JSON/);
  });

  it('allows passing the role to HealthLake', () => {
    const result = evaluateRequest({
      action: 'iam:PassRole',
      resource: roleArn,
      identityPolicies: [callerPolicy],
      context: { 'iam:PassedToService': 'healthlake.amazonaws.com' },
    });
    expect(result.decision).toBe('Allow');
    expect(result.matchedStatements).toEqual([{ source: 'identity', policyIndex: 0, statementIndex: 1, effect: 'Allow' }]);
  });

  it('does not allow passing the role to another service or without the key', () => {
    const pass = (context: Record<string, string>) =>
      evaluateRequest({ action: 'iam:PassRole', resource: roleArn, identityPolicies: [callerPolicy], context }).decision;
    expect(pass({ 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('ImplicitDeny');
    expect(pass({})).toBe('ImplicitDeny');
  });

  it('allows creating roles and attaching policies', () => {
    for (const action of ['iam:CreateRole', 'iam:CreatePolicy', 'iam:AttachRolePolicy']) {
      expect(evaluateRequest({ action, resource: roleArn, identityPolicies: [callerPolicy] }).decision).toBe('Allow');
    }
    expect(evaluateRequest({ action: 'iam:DeleteRole', resource: roleArn, identityPolicies: [callerPolicy] }).reason).toBe(
      `no statement allows iam:DeleteRole on ${roleArn}`,
    );
  });
});

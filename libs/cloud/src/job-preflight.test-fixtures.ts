import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, type KeySpec, type KeyUsageType } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketEncryptionCommand, PutPublicAccessBlockCommand, type PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { randomBytes } from 'node:crypto';
import { createIamClient, createKmsClient, createS3Client } from './aws-clients';

/** Test-only helpers: AWS resources as a HealthLake user prepares them, in the test run's moto. */
export const testEnv = () => loadConfig(baseEnvSchema, process.env);
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export const ALL_BLOCKED: PublicAccessBlockConfiguration = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

export interface BucketSetup {
  region?: string;
  publicAccessBlock?: PublicAccessBlockConfiguration | null;
  encrypted?: boolean;
}

export async function createBucket(setup: BucketSetup = {}): Promise<string> {
  const env = testEnv();
  const s3 = createS3Client(env);
  const Bucket = uniqueName('pf');
  try {
    const region = setup.region ?? env.AWS_REGION;
    await s3.send(new CreateBucketCommand({ Bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }) }));
    if (setup.publicAccessBlock !== null) await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: setup.publicAccessBlock ?? ALL_BLOCKED }));
    if (setup.encrypted !== false) {
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
    }
    return Bucket;
  } finally {
    s3.destroy();
  }
}

export async function createKey(spec?: { KeySpec: KeySpec; KeyUsage: KeyUsageType }): Promise<{ keyId: string; keyArn: string }> {
  const kms = createKmsClient(testEnv());
  try {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'fhirlake preflight test', ...spec }))).KeyMetadata!;
    return { keyId: key.KeyId!, keyArn: key.Arn! };
  } finally {
    kms.destroy();
  }
}

/** HealthLake's documented trust policy, pinned to one datastore ARN (a pattern with `*` works too). */
export function trustPolicy(servicePrincipal: string, accountId: string, datastoreArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: [servicePrincipal] },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': datastoreArn } },
      },
    ],
  };
}

/** One Allow statement per (action, resource), so a test can drop exactly one. */
export function permissionStatements(opts: { input?: string; output: string; keyArn: string; import?: boolean }): Array<{ Sid: string; Effect: 'Allow'; Action: string; Resource: string }> {
  const bucket = (b: string) => `arn:aws:s3:::${b}`;
  const rows: Array<[string, string]> = [
    ['s3:PutObject', `${bucket(opts.output)}/*`],
    ['s3:ListBucket', bucket(opts.output)],
    ['s3:GetBucketPublicAccessBlock', bucket(opts.output)],
    ['s3:GetEncryptionConfiguration', bucket(opts.output)],
    ['kms:DescribeKey', opts.keyArn],
    ['kms:GenerateDataKey', opts.keyArn],
  ];
  if (opts.import && opts.input) rows.push(['s3:GetObject', `${bucket(opts.input)}/*`], ['s3:ListBucket', bucket(opts.input)], ['kms:Decrypt', opts.keyArn]);
  return rows.map(([Action, Resource], i) => ({ Sid: `S${i}`, Effect: 'Allow', Action, Resource }));
}

export interface RoleSetup {
  trust: object;
  inline?: object[];
  managed?: object[];
}

/** Creates a role with inline and/or attached managed policies; returns its ARN. */
export async function createRole(setup: RoleSetup): Promise<string> {
  const iam = createIamClient(testEnv());
  const RoleName = uniqueName('role');
  try {
    const role = (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(setup.trust) }))).Role!;
    for (const [i, doc] of (setup.inline ?? []).entries()) {
      await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: `inline-${i}`, PolicyDocument: JSON.stringify(doc) }));
    }
    for (const doc of setup.managed ?? []) {
      const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: uniqueName('managed'), PolicyDocument: JSON.stringify(doc) }))).Policy!;
      await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: policy.Arn }));
    }
    return role.Arn!;
  } finally {
    iam.destroy();
  }
}

import { CreateBucketCommand, PutPublicAccessBlockCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateRoleCommand, PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { createIamClient, createKmsClient, createS3Client, healthLakeDatastoreArn } from '@fhirlake/cloud';
import { randomBytes } from 'node:crypto';

/** What {@link createJobDestinations} made. */
export interface JobDestinations {
  inputBucket: string;
  outputBucket: string;
  kmsKeyId: string;
  kmsKeyArn: string;
  /** A data access role HealthLake may assume for these datastores, allowed exactly what import and export jobs need. */
  roleArn: string;
}

/** HealthLake's documented trust policy: the service, from this account, for these datastores only. */
export function healthLakeTrustPolicy(env: { AWS_REGION: string; FHIRLAKE_ACCOUNT_ID: string; FHIRLAKE_SERVICE_PRINCIPAL: string }, datastoreIds?: string[]): object {
  const sourceArns = datastoreIds ? datastoreIds.map((id) => healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, id)) : [healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, '*')];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: [env.FHIRLAKE_SERVICE_PRINCIPAL] },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': env.FHIRLAKE_ACCOUNT_ID }, ArnLike: { 'aws:SourceArn': sourceArns } },
      },
    ],
  };
}

/** HealthLake's documented import + export permission policy for these buckets and key. */
export function dataAccessPolicy(inputBucket: string, outputBucket: string, kmsKeyArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketPublicAccessBlock', 's3:GetEncryptionConfiguration'], Resource: [`arn:aws:s3:::${inputBucket}`, `arn:aws:s3:::${outputBucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${inputBucket}/*`] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${outputBucket}/*`] },
      { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'], Resource: [kmsKeyArn] },
    ],
  };
}

/**
 * Private, encrypted input and output buckets, an enabled KMS key and a data access role in the
 * test run's moto, as a HealthLake user prepares them. The role trusts the service for
 * `datastoreIds` (default: every datastore of the account).
 */
export async function createJobDestinations(options: { datastoreIds?: string[] } = {}): Promise<JobDestinations> {
  const env = loadConfig(baseEnvSchema, process.env);
  const s3 = createS3Client(env);
  const kms = createKmsClient(env);
  const iam = createIamClient(env);
  try {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'fhirlake test' }))).KeyMetadata!;
    const suffix = randomBytes(4).toString('hex');
    const [inputBucket, outputBucket] = [`input-${suffix}`, `output-${suffix}`];
    for (const Bucket of [inputBucket, outputBucket]) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyId } }] } }));
    }
    await ensureSharedTestRole(iam, env);
    const RoleName = `fhirlake-data-access-${suffix}`;
    const role = (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(healthLakeTrustPolicy(env, options.datastoreIds)) }))).Role!;
    await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'fhirlake-jobs', PolicyDocument: JSON.stringify(dataAccessPolicy(inputBucket, outputBucket, key.Arn!)) }));
    return { inputBucket, outputBucket, kmsKeyId: key.KeyId!, kmsKeyArn: key.Arn!, roleArn: role.Arn! };
  } finally {
    s3.destroy();
    kms.destroy();
    iam.destroy();
  }
}

/** moto's default account: roles it creates live there whatever FHIRLAKE_ACCOUNT_ID says. */
const MOTO_ACCOUNT_ID = '123456789012';

/**
 * A data access role shared by tests that do not care about role details: trusted for every
 * datastore of the account and allowed the documented permissions on every bucket and key
 * {@link createJobDestinations} makes. Tests about the role use the per-destination `roleArn`.
 */
export const TEST_ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/fhirlake-data-access`;

async function ensureSharedTestRole(iam: IAMClient, env: Parameters<typeof healthLakeTrustPolicy>[0]): Promise<void> {
  const RoleName = TEST_ROLE_ARN.split('/').pop()!;
  try {
    await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(healthLakeTrustPolicy(env)) }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'EntityAlreadyExistsException') throw error;
  }
  const policy = dataAccessPolicy('input-*', 'output-*', `arn:aws:kms:${env.AWS_REGION}:*:key/*`);
  await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'fhirlake-jobs', PolicyDocument: JSON.stringify(policy) }));
}

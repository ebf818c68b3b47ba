import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, type KeySpec, type KeyUsageType } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketEncryptionCommand, PutPublicAccessBlockCommand, type PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { createIamClient, createKmsClient, createS3Client, healthLakeDatastoreArn } from '@fhirlake/cloud';
import { type BaseEnv, baseEnvSchema, loadConfig } from '@fhirlake/config';
import { randomBytes } from 'node:crypto';

/**
 * AWS resources of bulk jobs as a HealthLake user prepares them (private encrypted buckets, a KMS
 * key, a data access role with HealthLake's trust policy and permissions), made in the test run's
 * moto. Shared by every harness that runs import or export jobs, so the job preflight of the
 * gateway and the workers passes for them, and by the tests that break one thing on purpose.
 */

/** The environment of the test run (moto endpoints, region, account), validated. */
export const testAwsEnv = (): BaseEnv => loadConfig(baseEnvSchema, process.env);

/** `prefix-<8 hex>`: bucket, role and policy names that never collide within a moto. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/** All four S3 Block Public Access settings on, as job output buckets must have them. */
export const ALL_PUBLIC_ACCESS_BLOCKED: PublicAccessBlockConfiguration = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

/** How {@link createTestBucket} sets a bucket up; the default passes the output bucket checks. */
export interface TestBucketSetup {
  /** Default: `uniqueName(namePrefix ?? 'bucket')`. */
  readonly name?: string;
  readonly namePrefix?: string;
  /** Default: the test run's region. */
  readonly region?: string;
  /** Default: {@link ALL_PUBLIC_ACCESS_BLOCKED}; null: no configuration at all. */
  readonly publicAccessBlock?: PublicAccessBlockConfiguration | null;
  /** Default encryption: SSE-S3 (default), SSE-KMS with a key, or none. */
  readonly encryption?: 'AES256' | { readonly kmsKeyId: string } | null;
}

/** Creates a bucket; returns its name. */
export async function createTestBucket(setup: TestBucketSetup = {}): Promise<string> {
  const env = testAwsEnv();
  const s3 = createS3Client(env);
  const Bucket = setup.name ?? uniqueName(setup.namePrefix ?? 'bucket');
  try {
    const region = setup.region ?? env.AWS_REGION;
    await s3.send(new CreateBucketCommand({ Bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }) }));
    if (setup.publicAccessBlock !== null) await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: setup.publicAccessBlock ?? ALL_PUBLIC_ACCESS_BLOCKED }));
    const encryption = setup.encryption === undefined ? 'AES256' : setup.encryption;
    if (encryption !== null) {
      const byDefault = encryption === 'AES256' ? { SSEAlgorithm: 'AES256' as const } : { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: encryption.kmsKeyId };
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: byDefault }] } }));
    }
    return Bucket;
  } finally {
    s3.destroy();
  }
}

/** Creates a KMS key (default: symmetric ENCRYPT_DECRYPT, enabled). */
export async function createTestKey(spec?: { KeySpec: KeySpec; KeyUsage: KeyUsageType }): Promise<{ keyId: string; keyArn: string }> {
  const kms = createKmsClient(testAwsEnv());
  try {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'fhirlake test', ...spec }))).KeyMetadata!;
    return { keyId: key.KeyId!, keyArn: key.Arn! };
  } finally {
    kms.destroy();
  }
}

/** HealthLake's documented trust policy: the service, from `accountId`, for `sourceArns` (ArnLike; `*` patterns work). */
export function trustPolicy(servicePrincipal: string, accountId: string, sourceArns: string | readonly string[]): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: [servicePrincipal] },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': sourceArns } },
      },
    ],
  };
}

/** The deployment's identity as a trust policy names it. */
export type TrustIdentity = Pick<BaseEnv, 'AWS_REGION' | 'FHIRLAKE_ACCOUNT_ID' | 'FHIRLAKE_SERVICE_PRINCIPAL'>;

/** {@link trustPolicy} for this deployment and these datastores (default: every datastore of the account). */
export function healthLakeTrustPolicy(identity: TrustIdentity, datastoreIds?: readonly string[]): object {
  const arn = (id: string) => healthLakeDatastoreArn(identity.AWS_REGION, identity.FHIRLAKE_ACCOUNT_ID, id);
  return trustPolicy(identity.FHIRLAKE_SERVICE_PRINCIPAL, identity.FHIRLAKE_ACCOUNT_ID, datastoreIds ? datastoreIds.map(arn) : [arn('*')]);
}

/** What a data access role works on: bucket names and a key ARN (or an ARN pattern). */
export interface DataAccessTargets {
  readonly output: string;
  /** Imports only: with it, the input permissions and kms:Decrypt are granted too. */
  readonly input?: string;
  readonly keyArn: string;
}

/** One Allow statement of {@link dataAccessStatements}. */
export interface DataAccessStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string;
  readonly Resource: string;
}

/**
 * HealthLake's documented job permissions, exactly what the preflight requires, one Allow
 * statement per (action, resource), so a test can drop exactly one: on the output bucket
 * s3:PutObject (objects), s3:ListBucket, s3:GetBucketPublicAccessBlock, s3:GetEncryptionConfiguration;
 * kms:DescribeKey and kms:GenerateDataKey on the key; with an input, s3:GetObject and s3:ListBucket
 * on it and kms:Decrypt.
 */
export function dataAccessStatements(targets: DataAccessTargets): DataAccessStatement[] {
  const bucket = (b: string) => `arn:aws:s3:::${b}`;
  const rows: Array<[string, string]> = [
    ['s3:PutObject', `${bucket(targets.output)}/*`],
    ['s3:ListBucket', bucket(targets.output)],
    ['s3:GetBucketPublicAccessBlock', bucket(targets.output)],
    ['s3:GetEncryptionConfiguration', bucket(targets.output)],
    ['kms:DescribeKey', targets.keyArn],
    ['kms:GenerateDataKey', targets.keyArn],
  ];
  if (targets.input) rows.push(['s3:GetObject', `${bucket(targets.input)}/*`], ['s3:ListBucket', bucket(targets.input)], ['kms:Decrypt', targets.keyArn]);
  return rows.map(([Action, Resource], i) => ({ Sid: `S${i}`, Effect: 'Allow', Action, Resource }));
}

/** {@link dataAccessStatements} as a policy document, optionally without some actions. */
export function dataAccessPolicy(targets: DataAccessTargets, options: { without?: readonly string[] } = {}): object {
  return { Version: '2012-10-17', Statement: dataAccessStatements(targets).filter((s) => !options.without?.includes(s.Action)) };
}

/** A role's trust policy and its inline and attached managed permission policies. */
export interface TestRoleSetup {
  readonly trust: object;
  readonly inline?: readonly object[];
  readonly managed?: readonly object[];
}

/** Creates an IAM role (name `role-<hex>`) with these policies; returns its ARN. */
export async function createTestRole(setup: TestRoleSetup): Promise<string> {
  const iam = createIamClient(testAwsEnv());
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

/** Options of {@link createDataAccessRole}. */
export interface DataAccessRoleOptions {
  /** Datastores the role is trusted for; default every datastore of the account. */
  readonly datastoreIds?: readonly string[];
  /** Actions left out of the documented permissions. */
  readonly without?: readonly string[];
}

/** A data access role for these targets: HealthLake's trust policy and documented permissions ({@link dataAccessPolicy}). */
export async function createDataAccessRole(targets: DataAccessTargets, options: DataAccessRoleOptions = {}): Promise<string> {
  return createTestRole({ trust: healthLakeTrustPolicy(testAwsEnv(), options.datastoreIds), inline: [dataAccessPolicy(targets, { without: options.without })] });
}

/** What {@link createJobDestinations} made. */
export interface JobDestinations {
  readonly inputBucket: string;
  readonly outputBucket: string;
  readonly kmsKeyId: string;
  readonly kmsKeyArn: string;
  /** Trusted for the datastores asked for, allowed exactly what import and export jobs need on these buckets and any key of the account. */
  readonly roleArn: string;
}

/** Options of {@link createJobDestinations}. */
export interface JobDestinationOptions {
  /** Datastores the role is trusted for; default every datastore of the account. */
  readonly datastoreIds?: readonly string[];
  /** One bucket for input and output (default: two). */
  readonly singleBucket?: boolean;
}

/**
 * Private (all four Block Public Access settings), SSE-KMS-encrypted input and output buckets, an
 * enabled KMS key and a data access role, as a HealthLake user prepares them: every job on them
 * passes the preflight. The role may use any key of the account and region, so tests can swap in
 * a disabled or deleted key and see only that problem.
 */
export async function createJobDestinations(options: JobDestinationOptions = {}): Promise<JobDestinations> {
  const env = testAwsEnv();
  const key = await createTestKey();
  const suffix = randomBytes(4).toString('hex');
  const setup = { encryption: { kmsKeyId: key.keyId } };
  const inputBucket = await createTestBucket({ ...setup, name: options.singleBucket ? `jobs-${suffix}` : `input-${suffix}` });
  const outputBucket = options.singleBucket ? inputBucket : await createTestBucket({ ...setup, name: `output-${suffix}` });
  const anyKey = `arn:aws:kms:${env.AWS_REGION}:*:key/*`;
  const roleArn = await createDataAccessRole({ input: inputBucket, output: outputBucket, keyArn: anyKey }, { datastoreIds: options.datastoreIds });
  return { inputBucket, outputBucket, kmsKeyId: key.keyId, kmsKeyArn: key.keyArn, roleArn };
}

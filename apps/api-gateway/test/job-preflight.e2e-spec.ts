import { StartFHIRExportJobCommand, StartFHIRImportJobCommand, ValidationException } from '@aws-sdk/client-healthlake';
import { CreateKeyCommand, DisableKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createKmsClient, createS3Client, healthLakeDatastoreArn } from '@fhirlake/cloud';
import {
  ALL_PUBLIC_ACCESS_BLOCKED,
  createJobDestinations,
  createTestBucket,
  createTestRole,
  dataAccessPolicy,
  healthLakeTrustPolicy,
  type JobDestinations,
  testAwsEnv,
  uniqueName,
} from '@fhirlake/testing';
import request from 'supertest';
import { createDatastore, startTestGateway, type TestGateway } from './gateway-harness';

const env = testAwsEnv();
const policy = (Statement: object[]) => ({ Version: '2012-10-17', Statement });

/** A role in moto with this trust policy and these inline/attached policies. */
const createRole = (trust: object, inline: object[] = [], managed: object[] = []): Promise<string> => createTestRole({ trust, inline, managed });

/** A bucket with the given protections (default: all four Block Public Access settings, SSE-S3). */
const createBucket = (setup: { blockPublic?: Record<string, boolean>; encrypted?: boolean; region?: string } = {}): Promise<string> =>
  createTestBucket({ namePrefix: 'preflight', region: setup.region, publicAccessBlock: { ...ALL_PUBLIC_ACCESS_BLOCKED, ...setup.blockPublic }, encryption: setup.encrypted === false ? null : 'AES256' });

describe('job preflight at Start*Job and $export (moto IAM, S3, KMS)', () => {
  let gw: TestGateway;
  let ds: string;
  let otherDs: string;
  let dest: JobDestinations;
  const countJobs = async () => (await gw.sql.query('SELECT count(*)::int AS n FROM fhir_job')).rows[0].n as number;
  const dsArn = (id: string) => healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, id);
  const trustFor = (...ids: string[]) => healthLakeTrustPolicy(env, ids);
  const importInput = (roleArn: string, over: { output?: string; input?: string; key?: string } = {}) => ({
    DatastoreId: ds,
    InputDataConfig: { S3Uri: `s3://${over.input ?? dest.inputBucket}/in/` },
    JobOutputDataConfig: { S3Configuration: { S3Uri: `s3://${over.output ?? dest.outputBucket}/out/`, KmsKeyId: over.key ?? dest.kmsKeyId } },
    DataAccessRoleArn: roleArn,
  });
  const exportInput = (roleArn: string, datastoreId = ds) => ({
    DatastoreId: datastoreId,
    DataAccessRoleArn: roleArn,
    OutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/exports`, KmsKeyId: dest.kmsKeyArn } },
  });
  const outputObjects = async () => {
    const s3 = createS3Client(env);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: dest.outputBucket }));
    s3.destroy();
    return listed.KeyCount ?? 0;
  };

  /** Starts an import; expects a ValidationException whose message is exactly `problems` joined, and no job, no object. */
  async function expectImportRefused(input: ReturnType<typeof importInput>, ...problems: Array<string | RegExp>): Promise<string> {
    const before = await countJobs();
    const error = await gw.healthLake.send(new StartFHIRImportJobCommand(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    const parts = (error as Error).message.split('; ');
    expect(parts).toEqual(problems.map((p) => (typeof p === 'string' ? p : expect.stringMatching(p))));
    expect(await countJobs()).toBe(before);
    expect(await outputObjects()).toBe(0);
    return (error as Error).message;
  }

  beforeAll(async () => {
    gw = await startTestGateway();
    ds = await createDatastore(gw, 'preflight');
    otherDs = await createDatastore(gw, 'other');
    dest = await createJobDestinations({ datastoreIds: [ds] });
  });
  afterAll(() => gw.close());

  it('accepts jobs whose role is trusted for the datastore and allowed by inline or attached policies', async () => {
    const imported = await gw.healthLake.send(new StartFHIRImportJobCommand(importInput(dest.roleArn)));
    expect(imported.JobStatus).toBe('SUBMITTED');
    const attached = await createRole(trustFor(ds), [], [dataAccessPolicy({ input: dest.inputBucket, output: dest.outputBucket, keyArn: dest.kmsKeyArn })]);
    const exported = await gw.healthLake.send(new StartFHIRExportJobCommand(exportInput(attached)));
    expect(exported.JobStatus).toBe('SUBMITTED');
  });

  it('refuses a role that does not exist', async () => {
    const missing = `arn:aws:iam::${env.FHIRLAKE_ACCOUNT_ID}:role/${uniqueName('nobody')}`;
    await expectImportRefused(importInput(missing), `Data access role ${missing} does not exist`);
  });

  it('refuses a role that does not trust the service principal', async () => {
    const role = await createRole(policy([{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }]), [
      dataAccessPolicy({ input: dest.inputBucket, output: dest.outputBucket, keyArn: dest.kmsKeyArn }),
    ]);
    await expectImportRefused(importInput(role), `Data access role ${role} does not trust ${env.FHIRLAKE_SERVICE_PRINCIPAL}: its trust policy does not allow the service to sts:AssumeRole`);
  });

  it('refuses a role trusted only for another datastore (confused deputy), through the SDK and $export', async () => {
    const expected = `Data access role ${dest.roleArn} trusts ${env.FHIRLAKE_SERVICE_PRINCIPAL} only under conditions (aws:SourceAccount, aws:SourceArn) that do not hold for datastore ${dsArn(otherDs)} (account ${env.FHIRLAKE_ACCOUNT_ID})`;
    const before = await countJobs();
    const error = await gw.healthLake.send(new StartFHIRExportJobCommand(exportInput(dest.roleArn, otherDs))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toBe(expected);
    const res = await request(gw.baseUrl)
      .post(`/datastore/${otherDs}/r4/$export`)
      .set('Content-Type', 'application/fhir+json')
      .set('Prefer', 'respond-async')
      .send(JSON.stringify({ DataAccessRoleArn: dest.roleArn, OutputDataConfig: exportInput(dest.roleArn).OutputDataConfig }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).issue[0]).toMatchObject({ code: 'invalid', diagnostics: expected });
    expect(await countJobs()).toBe(before);
  });

  const documented = (without: string[] = []) => dataAccessPolicy({ input: dest.inputBucket, output: dest.outputBucket, keyArn: dest.kmsKeyArn }, { without });
  it.each([
    ['s3:PutObject', (d: JobDestinations) => `arn:aws:s3:::${d.outputBucket}/out/*`],
    ['s3:GetObject', (d: JobDestinations) => `arn:aws:s3:::${d.inputBucket}/in/*`],
    ['s3:GetBucketPublicAccessBlock', (d: JobDestinations) => `arn:aws:s3:::${d.outputBucket}`],
    ['s3:GetEncryptionConfiguration', (d: JobDestinations) => `arn:aws:s3:::${d.outputBucket}`],
    ['kms:DescribeKey', (d: JobDestinations) => d.kmsKeyArn],
    ['kms:GenerateDataKey', (d: JobDestinations) => d.kmsKeyArn],
    ['kms:Decrypt', (d: JobDestinations) => d.kmsKeyArn],
  ])('names a missing %s', async (action, resource) => {
    const role = await createRole(trustFor(ds), [documented([action])]);
    await expectImportRefused(importInput(role), `Data access role ${role} is missing ${action} on ${resource(dest)}`);
  });

  it('names s3:ListBucket missing on both buckets', async () => {
    const role = await createRole(trustFor(ds), [documented(['s3:ListBucket'])]);
    await expectImportRefused(
      importInput(role),
      `Data access role ${role} is missing s3:ListBucket on arn:aws:s3:::${dest.outputBucket}`,
      `Data access role ${role} is missing s3:ListBucket on arn:aws:s3:::${dest.inputBucket}`,
    );
  });

  it('names an explicit Deny in an attached policy', async () => {
    const deny = policy([{ Sid: 'NoKeyUse', Effect: 'Deny', Action: 'kms:GenerateDataKey', Resource: '*' }]);
    const role = await createRole(trustFor(ds), [documented()], [deny]);
    await expectImportRefused(importInput(role), new RegExp(`^Data access role ${role} is denied kms:GenerateDataKey on ${dest.kmsKeyArn} by arn:aws:iam::\\d{12}:policy/managed-\\w+ \\(statement Sid=NoKeyUse\\)$`));
  });

  it('refuses a public, an unencrypted and a far-away output bucket', async () => {
    const role = await createRole(trustFor(ds), [policy([{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }])]);
    const open = await createBucket({ blockPublic: { RestrictPublicBuckets: false } });
    await expectImportRefused(importInput(role, { output: open }), `output bucket ${open} does not block public access (RestrictPublicBuckets off): all four settings must be on`);
    const plain = await createBucket({ encrypted: false });
    await expectImportRefused(importInput(role, { output: plain }), `output bucket ${plain} has no default encryption configured`);
    const far = await createBucket({ region: 'eu-central-1' });
    await expectImportRefused(importInput(role, { output: far }), `output bucket ${far} is in eu-central-1, not in the service's region ${env.AWS_REGION}`);
    await expectImportRefused(importInput(role, { input: far }), `input bucket ${far} is in eu-central-1, not in the service's region ${env.AWS_REGION}`);
  });

  it('refuses disabled, pending-deletion and asymmetric keys', async () => {
    const role = await createRole(trustFor(ds), [documented(), policy([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }])]);
    const kms = createKmsClient(env);
    const create = async (spec = {}) => (await kms.send(new CreateKeyCommand(spec))).KeyMetadata!.KeyId!;
    const [disabled, deleting, asymmetric] = [await create(), await create(), await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })];
    await kms.send(new DisableKeyCommand({ KeyId: disabled }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting, PendingWindowInDays: 7 }));
    kms.destroy();
    await expectImportRefused(importInput(role, { key: disabled }), `KMS key ${disabled} is not enabled (state Disabled)`);
    await expectImportRefused(importInput(role, { key: deleting }), `KMS key ${deleting} is not enabled (state PendingDeletion)`);
    await expectImportRefused(importInput(role, { key: asymmetric }), `KMS key ${asymmetric} has usage SIGN_VERIFY, not ENCRYPT_DECRYPT`);
  });

  it('lists every problem in one error', async () => {
    const open = await createBucket({ blockPublic: { BlockPublicAcls: false }, encrypted: false });
    const message = await expectImportRefused(
      importInput(dest.roleArn, { output: open, key: 'alias/none' }),
      `Data access role ${dest.roleArn} is missing s3:PutObject on arn:aws:s3:::${open}/out/*`,
      `Data access role ${dest.roleArn} is missing s3:ListBucket on arn:aws:s3:::${open}`,
      `Data access role ${dest.roleArn} is missing s3:GetBucketPublicAccessBlock on arn:aws:s3:::${open}`,
      `Data access role ${dest.roleArn} is missing s3:GetEncryptionConfiguration on arn:aws:s3:::${open}`,
      `output bucket ${open} does not block public access (BlockPublicAcls off): all four settings must be on`,
      `output bucket ${open} has no default encryption configured`,
      'KMS key alias/none was not found',
    );
    expect(message).not.toMatch(/kms:/); // an unknown key has no ARN to check permissions on
  });
});

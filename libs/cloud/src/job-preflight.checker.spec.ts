import { CreateAliasCommand, DisableKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, createTestKey, createTestRole, dataAccessStatements, testAwsEnv, trustPolicy, uniqueName } from '@fhirlake/testing';
import { createIamClient, createKmsClient, createS3Client } from './aws-clients';
import { checkJobPreflight, healthLakeDatastoreArn, type JobPreflightRequest } from './job-preflight.checker';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const SERVICE = 'healthlake.amazonaws.com';
const DS = 'a'.repeat(32);
const OTHER_DS = 'b'.repeat(32);
const dsArn = (id: string) => healthLakeDatastoreArn(REGION, ACCOUNT, id);
const options = { accountId: ACCOUNT, region: REGION, servicePrincipal: SERVICE, datastoreArn: dsArn(DS) };
const policy = (Statement: object[]) => ({ Version: '2012-10-17', Statement });

describe('checkJobPreflight (moto IAM, S3, KMS)', () => {
  const env = testAwsEnv();
  const clients = { iam: createIamClient(env), s3: createS3Client(env), kms: createKmsClient(env) };
  let input: string;
  let output: string;
  let key: { keyId: string; keyArn: string };
  let statements: ReturnType<typeof dataAccessStatements>;
  const trusted = () => trustPolicy(SERVICE, ACCOUNT, dsArn(DS));
  const job = (roleArn: string, overrides: Partial<JobPreflightRequest> = {}): JobPreflightRequest => ({
    kind: 'IMPORT',
    datastoreId: DS,
    dataAccessRoleArn: roleArn,
    inputS3Uri: `s3://${input}/in/`,
    outputS3Uri: `s3://${output}/out`,
    kmsKeyId: key.keyId,
    ...overrides,
  });
  const messages = async (request: JobPreflightRequest) => (await checkJobPreflight(request, clients, options)).map((p) => `${p.kind}: ${p.message}`);

  beforeAll(async () => {
    [input, output, key] = await Promise.all([createTestBucket(), createTestBucket(), createTestKey()]);
    statements = dataAccessStatements({ input, output, keyArn: key.keyArn });
  });
  afterAll(() => Object.values(clients).forEach((c) => c.destroy()));

  it('passes with the documented policy inline, attached, or split across both; an export needs no input access', async () => {
    const inline = await createTestRole({ trust: trusted(), inline: [policy(statements)] });
    const attached = await createTestRole({ trust: trusted(), managed: [policy(statements)] });
    const split = await createTestRole({ trust: trusted(), inline: [policy(statements.slice(0, 4))], managed: [policy(statements.slice(4))] });
    for (const role of [inline, attached, split]) expect(await messages(job(role))).toEqual([]);
    const exportOnly = await createTestRole({ trust: trusted(), inline: [policy(dataAccessStatements({ output, keyArn: key.keyArn }))] });
    expect(await messages(job(exportOnly, { kind: 'EXPORT', inputS3Uri: undefined }))).toEqual([]);
  });

  it('resolves a key alias to its ARN for the KMS permissions', async () => {
    const kms = createKmsClient(env);
    const alias = `alias/${uniqueName('pf')}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.keyId }));
    kms.destroy();
    const role = await createTestRole({ trust: trusted(), inline: [policy(statements)] });
    expect(await messages(job(role, { kmsKeyId: alias }))).toEqual([]);
  });

  it('reads a single input object with s3:GetObject on that object only', async () => {
    const s3 = createS3Client(env);
    await s3.send(new PutObjectCommand({ Bucket: input, Key: 'one/file.ndjson', Body: '{}\n' }));
    s3.destroy();
    const narrow = statements.map((s) => (s.Action === 's3:GetObject' ? { ...s, Resource: `arn:aws:s3:::${input}/one/file.ndjson` } : s));
    const role = await createTestRole({ trust: trusted(), inline: [policy(narrow)] });
    expect(await messages(job(role, { inputS3Uri: `s3://${input}/one/file.ndjson` }))).toEqual([]);
    expect(await messages(job(role, { inputS3Uri: `s3://${input}/one/` }))).toEqual([
      `permission: Data access role ${role} is missing s3:GetObject on arn:aws:s3:::${input}/one/*`,
    ]);
  });

  it('names a role that does not exist (and one named with another account)', async () => {
    const missing = `arn:aws:iam::${ACCOUNT}:role/${uniqueName('nobody')}`;
    expect(await messages(job(missing))).toEqual([`role: Data access role ${missing} does not exist`]);
    const real = await createTestRole({ trust: trusted(), inline: [policy(statements)] });
    const elsewhere = real.replace(/::\d{12}:/, '::999999999999:');
    expect(await messages(job(elsewhere))).toEqual([`role: Data access role ${elsewhere} does not exist`]);
  });

  it('refuses a trust policy without the service principal', async () => {
    const role = await createTestRole({
      trust: policy([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
      inline: [policy(statements)],
    });
    expect(await messages(job(role))).toEqual([
      `trust: Data access role ${role} does not trust ${SERVICE}: its trust policy does not allow the service to sts:AssumeRole`,
    ]);
  });

  it('refuses a role trusted for another datastore (confused deputy) or another account', async () => {
    const forOther = await createTestRole({ trust: trustPolicy(SERVICE, ACCOUNT, dsArn(OTHER_DS)), inline: [policy(statements)] });
    expect(await messages(job(forOther))).toEqual([
      `trust: Data access role ${forOther} trusts ${SERVICE} only under conditions (aws:SourceAccount, aws:SourceArn) that do not hold for datastore ${dsArn(DS)} (account ${ACCOUNT})`,
    ]);
    const otherAccount = await createTestRole({ trust: trustPolicy(SERVICE, '111111111111', dsArn(DS)), inline: [policy(statements)] });
    expect(await messages(job(otherAccount))).toEqual([expect.stringMatching(/^trust: .* only under conditions/)]);
    const wildcard = await createTestRole({ trust: trustPolicy(SERVICE, ACCOUNT, `arn:aws:healthlake:${REGION}:${ACCOUNT}:datastore/fhir/*`), inline: [policy(statements)] });
    expect(await messages(job(wildcard))).toEqual([]);
  });

  it.each(dataAccessStatements({ input: 'IN', output: 'OUT', keyArn: 'KEY' }).map((s, i) => [s.Action, s.Resource, i] as const))(
    'names a missing %s on %s',
    async (action, _resource, index) => {
      const role = await createTestRole({ trust: trusted(), inline: [policy(statements.filter((_, i) => i !== index))] });
      const expected = {
        'arn:aws:s3:::OUT/*': `arn:aws:s3:::${output}/out/*`,
        'arn:aws:s3:::OUT': `arn:aws:s3:::${output}`,
        'arn:aws:s3:::IN/*': `arn:aws:s3:::${input}/in/*`,
        'arn:aws:s3:::IN': `arn:aws:s3:::${input}`,
        KEY: key.keyArn,
      }[_resource];
      expect(await messages(job(role))).toEqual([`permission: Data access role ${role} is missing ${action} on ${expected}`]);
    },
  );

  it('asks an import for input access and kms:Decrypt beyond what an export needs', async () => {
    const role = await createTestRole({ trust: trusted(), inline: [policy(dataAccessStatements({ output, keyArn: key.keyArn }))] });
    expect(await messages(job(role))).toEqual([
      `permission: Data access role ${role} is missing s3:GetObject on arn:aws:s3:::${input}/in/*`,
      `permission: Data access role ${role} is missing s3:ListBucket on arn:aws:s3:::${input}`,
      `permission: Data access role ${role} is missing kms:Decrypt on ${key.keyArn}`,
    ]);
  });

  it('refuses a grant on another prefix only', async () => {
    const narrow = statements.map((s) => (s.Action === 's3:PutObject' ? { ...s, Resource: `arn:aws:s3:::${output}/elsewhere/*` } : s));
    const role = await createTestRole({ trust: trusted(), inline: [policy(narrow)] });
    expect(await messages(job(role))).toEqual([`permission: Data access role ${role} is missing s3:PutObject on arn:aws:s3:::${output}/out/*`]);
  });

  it('names an explicit Deny in an attached policy, with the policy and statement', async () => {
    const deny = policy([{ Sid: 'NoWrites', Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }]);
    const role = await createTestRole({ trust: trusted(), inline: [policy(statements)], managed: [deny] });
    const [problem, ...rest] = await messages(job(role));
    expect(rest).toEqual([]);
    expect(problem).toMatch(new RegExp(`^permission: Data access role ${role} is denied s3:PutObject on arn:aws:s3:::${output}/out/\\* by arn:aws:iam::\\d{12}:policy/managed-[0-9a-f]+ \\(statement Sid=NoWrites\\)$`));
  });

  it.each(['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])('refuses an output bucket with %s off', async (flag) => {
    const bucket = await createTestBucket({ publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true, [flag]: false } });
    const role = await createTestRole({ trust: trusted(), inline: [policy(dataAccessStatements({ input, output: bucket, keyArn: key.keyArn }))] });
    expect(await messages(job(role, { outputS3Uri: `s3://${bucket}/x/` }))).toEqual([
      `bucket: output bucket ${bucket} does not block public access (${flag} off): all four settings must be on`,
    ]);
  });

  it('refuses an output bucket without Block Public Access or default encryption, and buckets in another region', async () => {
    const open = await createTestBucket({ publicAccessBlock: null, encryption: null });
    const far = await createTestBucket({ region: 'eu-west-1' });
    const role = await createTestRole({ trust: trusted(), inline: [policy([{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }])] });
    expect(await messages(job(role, { outputS3Uri: `s3://${open}/x`, inputS3Uri: `s3://${far}/in/` }))).toEqual([
      `bucket: output bucket ${open} has no Block Public Access configuration: all four settings must be on`,
      `bucket: output bucket ${open} has no default encryption configured`,
      `bucket: input bucket ${far} is in eu-west-1, not in the service's region ${REGION}`,
    ]);
    expect(await messages(job(role, { outputS3Uri: `s3://${far}/x`, kind: 'EXPORT' }))).toEqual([`bucket: output bucket ${far} is in eu-west-1, not in the service's region ${REGION}`]);
  });

  it('names missing buckets', async () => {
    const role = await createTestRole({ trust: trusted(), inline: [policy([{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }])] });
    const [a, b] = [uniqueName('gone'), uniqueName('gone')];
    expect(await messages(job(role, { outputS3Uri: `s3://${a}/x`, inputS3Uri: `s3://${b}/y` }))).toEqual([`bucket: output bucket ${a} does not exist`, `bucket: input bucket ${b} does not exist`]);
  });

  it('refuses disabled, pending-deletion and asymmetric keys (moto itself would accept them for SSE-KMS)', async () => {
    const kms = createKmsClient(env);
    const role = await createTestRole({ trust: trusted(), inline: [policy([...statements, { Sid: 'AnyKey', Effect: 'Allow', Action: 'kms:*', Resource: '*' }])] });
    const disabled = await createTestKey();
    await kms.send(new DisableKeyCommand({ KeyId: disabled.keyId }));
    const deleting = await createTestKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting.keyId, PendingWindowInDays: 7 }));
    const asymmetric = await createTestKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    kms.destroy();
    expect(await messages(job(role, { kmsKeyId: disabled.keyId }))).toEqual([`kms: KMS key ${disabled.keyId} is not enabled (state Disabled)`]);
    expect(await messages(job(role, { kmsKeyId: deleting.keyArn }))).toEqual([`kms: KMS key ${deleting.keyArn} is not enabled (state PendingDeletion)`]);
    expect(await messages(job(role, { kmsKeyId: asymmetric.keyId }))).toEqual([`kms: KMS key ${asymmetric.keyId} is RSA_2048, not a symmetric key (SYMMETRIC_DEFAULT)`]);
    expect(await messages(job(role, { kmsKeyId: '11111111-2222-3333-4444-555555555555' }))).toEqual(['kms: KMS key 11111111-2222-3333-4444-555555555555 was not found']);
  });

  it('reports every problem at once', async () => {
    const role = await createTestRole({ trust: trustPolicy(SERVICE, ACCOUNT, dsArn(OTHER_DS)), inline: [policy(statements.slice(1))] });
    const open = await createTestBucket({ publicAccessBlock: null });
    const result = await checkJobPreflight(job(role, { outputS3Uri: `s3://${open}/out/`, kmsKeyId: 'alias/does-not-exist' }), clients, options);
    expect(result.map((p) => p.kind)).toEqual(['trust', 'permission', 'permission', 'permission', 'permission', 'bucket', 'kms']);
  });

  it('refuses malformed URIs and role ARNs without calling AWS for them', async () => {
    const result = await messages(job('arn:aws:iam::000000000000:user/bob', { outputS3Uri: 'https://x/y', inputS3Uri: 's3://ok-bucket/../etc' }));
    expect(result).toEqual([
      'request: The output S3 URI "https://x/y" is not a valid s3://bucket/prefix URI',
      'request: The input S3 URI "s3://ok-bucket/../etc" is not a valid s3://bucket/prefix URI',
      'role: Data access role arn:aws:iam::000000000000:user/bob is not a valid IAM role ARN',
    ]);
  });
});

import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ensureMotoInstalled, isMotoUp, startMoto, type MotoServer } from './moto-server';
import { isProcessAlive } from './process-control';

// Starts its own moto (not the one from global setup) so it can also check start/stop.
describe('moto server', () => {
  let moto: MotoServer;
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

  beforeAll(async () => {
    moto = await startMoto();
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('installs idempotently and quickly once installed', async () => {
    const started = Date.now();
    const [a, b] = await Promise.all([ensureMotoInstalled(), ensureMotoInstalled()]);
    expect(a).toBe(b);
    expect(a).toMatch(/\.venv\/bin\/moto_server$/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers HTTP once started', async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await isMotoUp(moto.endpoint)).toBe(true);
  });

  it('refuses a port something already answers on', async () => {
    const port = Number(new URL(moto.endpoint).port);
    await expect(startMoto({ port })).rejects.toThrow(/already in use/);
  });

  it('stores S3 objects encrypted with a KMS key created in moto', async () => {
    const common = { endpoint: moto.endpoint, region: 'us-east-1', credentials };
    const kms = new KMSClient(common);
    // Default SDK checksum settings (CRC32 on every request): moto 5.2 accepts them as is.
    const s3 = new S3Client({ ...common, forcePathStyle: true });

    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'export key' }));
    const keyArn = KeyMetadata?.Arn;
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    expect(described.KeyMetadata?.KeyState).toBe('Enabled');

    await s3.send(new CreateBucketCommand({ Bucket: 'export-bucket' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'export-bucket',
        Key: 'job-1/Patient-1.ndjson',
        Body: '{"resourceType":"Patient","id":"p1"}\n',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: keyArn,
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'export-bucket', Key: 'job-1/Patient-1.ndjson' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(keyArn);

    const got = await s3.send(new GetObjectCommand({ Bucket: 'export-bucket', Key: 'job-1/Patient-1.ndjson' }));
    expect(await got.Body?.transformToString()).toBe('{"resourceType":"Patient","id":"p1"}\n');
    s3.destroy();
    kms.destroy();
  });

  it('emulates IAM roles and STS AssumeRole', async () => {
    const common = { endpoint: moto.endpoint, region: 'us-east-1', credentials };
    const iam = new IAMClient(common);
    const sts = new STSClient(common);
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'healthlake.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: 'data-access', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    const fetched = await iam.send(new GetRoleCommand({ RoleName: 'data-access' }));
    expect(JSON.parse(decodeURIComponent(fetched.Role?.AssumeRolePolicyDocument ?? '{}'))).toEqual(trust);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toMatch(/^\d{12}$/);
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: Role?.Arn, RoleSessionName: 'import' }));
    expect(assumed.Credentials?.AccessKeyId).toBeTruthy();
    iam.destroy();
    sts.destroy();
  });

  it('stops the process', async () => {
    const other = await startMoto();
    await other.stop();
    expect(isProcessAlive(other.pid)).toBe(false);
    expect(await isMotoUp(other.endpoint)).toBe(false);
  });
});

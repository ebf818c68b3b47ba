import { CreateBucketCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { CreateKeyCommand, DisableKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createKmsClient, createS3Client } from './aws-clients';
import { kmsKeyProblem } from './kms-key-check';
import { S3ObjectStore } from './s3-object-store';

describe('S3ObjectStore and KMS key checks (moto)', () => {
  const env = loadConfig(baseEnvSchema, process.env);
  const s3 = createS3Client(env);
  const kms = createKmsClient(env);
  const store = new S3ObjectStore(s3);
  const bucket = `store-${randomBytes(4).toString('hex')}`;
  let keyId: string;

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  });
  afterAll(() => {
    s3.destroy();
    kms.destroy();
  });

  it('writes with SSE-KMS, lists in key order and streams back from an offset', async () => {
    await store.write(bucket, 'p/b.ndjson', 'bbb\n', { kmsKeyId: keyId });
    await store.write(bucket, 'p/a.ndjson', Readable.from(['aa', 'a\n']), { kmsKeyId: keyId });
    const listed = [];
    for await (const o of store.list(bucket, 'p/')) listed.push(o);
    expect(listed).toEqual([{ key: 'p/a.ndjson', size: 4 }, { key: 'p/b.ndjson', size: 4 }]);
    const head = await store.head(bucket, 'p/a.ndjson');
    expect(head).toMatchObject({ serverSideEncryption: 'aws:kms', kmsKeyId: expect.stringContaining(keyId) });
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read(bucket, 'p/b.ndjson', 1)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bb\n');
    expect(await store.head(bucket, 'missing')).toBeUndefined();
  });

  it('leaves no multipart parts behind when a large upload fails', async () => {
    async function* failing() {
      yield Buffer.alloc(9 * 1024 * 1024, 1);
      throw new Error('source broke');
    }
    await expect(store.write(bucket, 'big.ndjson', Readable.from(failing()), { kmsKeyId: keyId })).rejects.toThrow('source broke');
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await store.head(bucket, 'big.ndjson')).toBeUndefined();
  });

  it('accepts an enabled symmetric key and names what is wrong with others', async () => {
    expect(await kmsKeyProblem(kms, keyId)).toBeUndefined();
    const disabled = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new DisableKeyCommand({ KeyId: disabled }));
    expect(await kmsKeyProblem(kms, disabled)).toMatch(/not enabled \(state Disabled\)/);
    const deleting = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting, PendingWindowInDays: 7 }));
    expect(await kmsKeyProblem(kms, deleting)).toMatch(/PendingDeletion/);
    const asymmetric = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
    expect(await kmsKeyProblem(kms, asymmetric)).toMatch(/SIGN_VERIFY|RSA_2048/);
    expect(await kmsKeyProblem(kms, '11111111-2222-3333-4444-555555555555')).toMatch(/not found/);
  });
});

import { CreateBucketCommand, PutPublicAccessBlockCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { createKmsClient, createS3Client } from '@fhirlake/cloud';
import { randomBytes } from 'node:crypto';

/** A private, encrypted bucket and an enabled KMS key in the test run's moto, as a HealthLake user prepares them. */
export async function createJobDestinations(): Promise<{ inputBucket: string; outputBucket: string; kmsKeyId: string; kmsKeyArn: string }> {
  const env = loadConfig(baseEnvSchema, process.env);
  const s3 = createS3Client(env);
  const kms = createKmsClient(env);
  try {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'fhirlake test' }))).KeyMetadata!;
    const suffix = randomBytes(4).toString('hex');
    const [inputBucket, outputBucket] = [`input-${suffix}`, `output-${suffix}`];
    for (const Bucket of [inputBucket, outputBucket]) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyId } }] } }));
    }
    return { inputBucket, outputBucket, kmsKeyId: key.KeyId!, kmsKeyArn: key.Arn! };
  } finally {
    s3.destroy();
    kms.destroy();
  }
}

export const TEST_ROLE_ARN = 'arn:aws:iam::000000000000:role/fhirlake-data-access';

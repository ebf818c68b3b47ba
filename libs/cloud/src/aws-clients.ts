import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { awsEndpointFor, type BaseEnv } from '@fhirlake/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Credentials for the clients: the SDK's default chain unless given (e.g. an assumed data access role). */
export type AwsCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

type AwsEnv = Pick<BaseEnv, 'AWS_REGION' | 'AWS_ENDPOINT_URL' | 'AWS_ENDPOINT_URL_S3' | 'AWS_ENDPOINT_URL_KMS' | 'AWS_ENDPOINT_URL_IAM' | 'AWS_ENDPOINT_URL_STS'>;

export function createS3Client(env: AwsEnv, credentials?: AwsCredentials): S3Client {
  const endpoint = awsEndpointFor('s3', env as BaseEnv);
  // Custom endpoints (moto, MinIO) generally need path-style addressing.
  return new S3Client({ region: env.AWS_REGION, endpoint, forcePathStyle: endpoint !== undefined, credentials, maxAttempts: 5 });
}

export function createKmsClient(env: AwsEnv, credentials?: AwsCredentials): KMSClient {
  return new KMSClient({ region: env.AWS_REGION, endpoint: awsEndpointFor('kms', env as BaseEnv), credentials });
}

export function createIamClient(env: AwsEnv, credentials?: AwsCredentials): IAMClient {
  // IAM is global; its real endpoint lives in us-east-1.
  return new IAMClient({ region: 'us-east-1', endpoint: awsEndpointFor('iam', env as BaseEnv), credentials });
}

export function createStsClient(env: AwsEnv, credentials?: AwsCredentials): STSClient {
  return new STSClient({ region: env.AWS_REGION, endpoint: awsEndpointFor('sts', env as BaseEnv), credentials });
}

import type { BaseEnv } from './env-schema';

/** The AWS services fhirlake talks to. */
export type AwsService = 's3' | 'kms' | 'iam' | 'sts';

const SERVICE_ENDPOINT_KEYS = {
  s3: 'AWS_ENDPOINT_URL_S3',
  kms: 'AWS_ENDPOINT_URL_KMS',
  iam: 'AWS_ENDPOINT_URL_IAM',
  sts: 'AWS_ENDPOINT_URL_STS',
} as const satisfies Record<AwsService, keyof BaseEnv>;

/**
 * The endpoint override for one service, following the AWS SDK's own precedence
 * (service-specific variable, then AWS_ENDPOINT_URL); undefined means the real AWS endpoint.
 */
export function awsEndpointFor(service: AwsService, env: BaseEnv): string | undefined {
  return env[SERVICE_ENDPOINT_KEYS[service]] ?? env.AWS_ENDPOINT_URL;
}

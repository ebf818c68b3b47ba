import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import { kmsKeyProblem, parseS3Uri } from '@fhirlake/cloud';
import { validationError } from '../aws-service-error';
import type { JobPreflight, JobPreflightRequest } from './job-preflight';

/** Checks the KMS key and the buckets a job names, as the service sees them. */
export class CloudJobPreflight implements JobPreflight {
  constructor(
    private readonly s3: S3Client,
    private readonly kms: KMSClient,
  ) {}

  async check(request: JobPreflightRequest): Promise<void> {
    const problems: string[] = [];
    const keyProblem = await kmsKeyProblem(this.kms, request.kmsKeyId);
    if (keyProblem) problems.push(keyProblem);
    const buckets = new Map<string, string>([[parseS3Uri(request.outputS3Uri)?.bucket ?? '', 'output']]);
    if (request.inputS3Uri) buckets.set(parseS3Uri(request.inputS3Uri)?.bucket ?? '', 'input');
    for (const [bucket, role] of buckets) {
      const problem = await this.bucketProblem(bucket);
      if (problem) problems.push(`${role} bucket ${problem}`);
    }
    if (problems.length > 0) throw validationError(problems.join('; '));
  }

  private async bucketProblem(bucket: string): Promise<string | undefined> {
    if (!bucket) return 'is not a valid S3 bucket name';
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return undefined;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return `${bucket} does not exist`;
      if (status === 403) return `${bucket} is not accessible`;
      return `${bucket} cannot be checked (${(error as Error).name})`;
    }
  }
}

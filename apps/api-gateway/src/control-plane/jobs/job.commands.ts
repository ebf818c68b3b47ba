import { JOB_STATUSES, VALIDATION_LEVELS } from '@fhirlake/jobs';
import { z } from 'zod';
import { clientToken, maxResults, nameString, nextToken, timestampInput } from '../aws-json-values';

// HealthLake's constraints; unknown members are dropped (newer SDKs may send members we predate).
const S3_URI = /^[sS]3:\/\/[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9](\/.*)?$/;
const KMS_KEY_ID = /^(arn:aws((-us-gov)|(-iso)|(-iso-b)|(-cn))?:kms:)?([a-z]{2}-[a-z]+(-[a-z]+)?-\d:)?(\d{12}:)?(((key\/)?[a-zA-Z0-9-_]+)|(alias\/[a-zA-Z0-9:/_-]+))$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::[0-9]{12}:role\/.+$/;

// Keys: no `.`/`..` segments, empty segments, control characters or characters S3 says to avoid.
const UNSAFE_KEY = /[\u0000-\u001f\u007f-\u009f\\{}^%`\[\]"<>~#|]/;
const safeS3Key = (uri: string): boolean => {
  const key = uri.replace(/^[sS]3:\/\/[^/]*\/?/, '');
  const segments = key.split('/');
  return !UNSAFE_KEY.test(key) && !segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1));
};

export const s3Uri = z
  .string()
  .min(1)
  .max(1024)
  .regex(S3_URI, 'must be an S3 URI such as s3://bucket/prefix')
  .refine((uri) => !/\.\./.test(uri.slice(5).split('/')[0] ?? '') && safeS3Key(uri), 'must not contain . or .. segments, empty segments, control characters or any of \\{}^%`[]"<>~#|');
export const kmsKeyId = z.string().min(1).max(400).regex(KMS_KEY_ID, 'must be a KMS key id, key ARN or alias');
export const dataAccessRoleArn = z.string().min(20).max(2048).regex(ROLE_ARN, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/name');
export const jobName = nameString(64);
const datastoreId = z.string().min(1).max(32);
const jobId = z.string().min(1).max(32);

export const s3Configuration = z.object({ S3Uri: s3Uri, KmsKeyId: kmsKeyId });
export const outputDataConfig = z.object({ S3Configuration: s3Configuration });

export const startImportJobCommand = z.object({
  JobName: jobName.optional(),
  InputDataConfig: z.object({ S3Uri: s3Uri }),
  JobOutputDataConfig: outputDataConfig,
  DatastoreId: datastoreId,
  DataAccessRoleArn: dataAccessRoleArn,
  ClientToken: clientToken.optional(),
  ValidationLevel: z.enum(VALIDATION_LEVELS).optional(),
});

export const startExportJobCommand = z.object({
  JobName: jobName.optional(),
  OutputDataConfig: outputDataConfig,
  DatastoreId: datastoreId,
  DataAccessRoleArn: dataAccessRoleArn,
  ClientToken: clientToken.optional(),
});

export const describeJobCommand = z.object({ DatastoreId: datastoreId, JobId: jobId });

export const listJobsCommand = z.object({
  DatastoreId: datastoreId,
  NextToken: nextToken.optional(),
  MaxResults: maxResults.optional(),
  JobName: jobName.optional(),
  JobStatus: z.enum(JOB_STATUSES).optional(),
  SubmittedBefore: timestampInput.optional(),
  SubmittedAfter: timestampInput.optional(),
});

export type StartImportJobCommand = z.infer<typeof startImportJobCommand>;
export type StartExportJobCommand = z.infer<typeof startExportJobCommand>;
export type ListJobsCommand = z.infer<typeof listJobsCommand>;

import type { RequestContext, RequiredPermission } from '@fhirlake/policy';
import type { S3Location } from './s3-uri';

/** The two kinds of bulk job (kept local so this lib does not depend on the job contracts). */
export type PreflightJobKind = 'IMPORT' | 'EXPORT';

/** A permission the data access role must hold, with the request context it will be used in. */
export interface JobPermission extends RequiredPermission {
  /** Condition keys the real request will carry (e.g. `s3:prefix` for ListBucket). */
  readonly context?: RequestContext;
}

/** What a job touches, as {@link requiredJobPermissions} needs it. */
export interface JobPermissionTargets {
  readonly kind: PreflightJobKind;
  readonly output: S3Location;
  /** Import only. */
  readonly input?: S3Location;
  /** Import only: the input URI names one object (not a folder); see {@link inputObjectsResource}. */
  readonly inputIsObject?: boolean;
  /** The KMS key's ARN; without it the KMS permissions are not listed (the key problem is reported instead). */
  readonly keyArn?: string;
  /** The service's region; S3 calls KMS for the role from `s3.<region>.amazonaws.com` (`kms:ViaService`). */
  readonly region?: string;
}

const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

/** The folder a URI's key names, with exactly one trailing slash ('' for the whole bucket). */
const folderOf = (key: string): string => (key === '' ? '' : `${key.replace(/\/+$/, '')}/`);

/** Objects a job writes: everything under the output folder (jobs write `<prefix>/<job folder>/...`). */
export const outputObjectsResource = (output: S3Location): string => `${bucketArn(output.bucket)}/${folderOf(output.key)}*`;

/**
 * Objects an import reads: the object itself when the URI names one, otherwise everything under
 * the folder (a key without a trailing slash that is no object is read as a folder).
 */
export function inputObjectsResource(input: S3Location, isObject = false): string {
  if (input.key === '' || input.key.endsWith('/')) return `${bucketArn(input.bucket)}/${input.key}*`;
  return isObject ? `${bucketArn(input.bucket)}/${input.key}` : `${bucketArn(input.bucket)}/${input.key}/*`;
}

/**
 * Exactly what a job needs, in the order problems are reported. Both kinds: `s3:PutObject` on the
 * output folder; `s3:ListBucket`, `s3:GetBucketPublicAccessBlock`, `s3:GetEncryptionConfiguration`
 * on the output bucket; `kms:DescribeKey`, `kms:GenerateDataKey` on the key. Import adds
 * `s3:GetObject` on the input objects, `s3:ListBucket` on the input bucket, and `kms:Decrypt` on
 * the key (HealthLake documents it for imports: input objects encrypted with that key must be
 * decrypted, and SSE-KMS multipart uploads of outputs need it).
 */
export function requiredJobPermissions(targets: JobPermissionTargets): JobPermission[] {
  const { output, input, keyArn } = targets;
  const kmsContext = targets.region ? { 'kms:ViaService': `s3.${targets.region}.amazonaws.com` } : {};
  const permissions: JobPermission[] = [
    {
      action: 's3:PutObject',
      resource: outputObjectsResource(output),
      context: keyArn ? { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } : {},
    },
    { action: 's3:ListBucket', resource: bucketArn(output.bucket), context: { 's3:prefix': folderOf(output.key) } },
    { action: 's3:GetBucketPublicAccessBlock', resource: bucketArn(output.bucket) },
    { action: 's3:GetEncryptionConfiguration', resource: bucketArn(output.bucket) },
  ];
  if (targets.kind === 'IMPORT' && input) {
    permissions.push(
      { action: 's3:GetObject', resource: inputObjectsResource(input, targets.inputIsObject) },
      { action: 's3:ListBucket', resource: bucketArn(input.bucket), context: { 's3:prefix': input.key } },
    );
  }
  if (keyArn) {
    // DescribeKey is called by the service itself; the data-key calls come from S3 on the role's behalf.
    permissions.push({ action: 'kms:DescribeKey', resource: keyArn }, { action: 'kms:GenerateDataKey', resource: keyArn, context: kmsContext });
    if (targets.kind === 'IMPORT') permissions.push({ action: 'kms:Decrypt', resource: keyArn, context: kmsContext });
  }
  return permissions;
}

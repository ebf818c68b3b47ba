import { GetBucketEncryptionCommand, GetBucketLocationCommand, GetPublicAccessBlockCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** What a bucket is for; names it in messages ("output bucket b does not exist"). */
export type BucketRole = 'input' | 'output';

const BLOCK_PUBLIC_ACCESS_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

const errorName = (error: unknown): string => (error as { name?: string }).name ?? 'Error';
const statusOf = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

function unexpected(label: string, what: string, error: unknown): string {
  if (statusOf(error) === 403) return `${label}: access denied reading its ${what}`;
  return `${label}: its ${what} cannot be read (${errorName(error)}: ${(error as Error).message})`;
}

/** GetBucketLocation answers null/'' for us-east-1 and the legacy 'EU' for eu-west-1. */
export function regionOfLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

/** Undefined when the bucket exists and lives in `region`. */
async function locationProblem(s3: S3Client, bucket: string, label: string, region: string): Promise<{ exists: boolean; problem?: string }> {
  try {
    const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    const actual = regionOfLocation(LocationConstraint);
    return { exists: true, problem: actual === region ? undefined : `${label} is in ${actual}, not in the service's region ${region}` };
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket' || statusOf(error) === 404) return { exists: false, problem: `${label} does not exist` };
    if (statusOf(error) === 403) return { exists: false, problem: `${label} is not accessible` };
    return { exists: false, problem: unexpected(label, 'location', error) };
  }
}

async function publicAccessProblem(s3: S3Client, bucket: string, label: string): Promise<string | undefined> {
  try {
    const { PublicAccessBlockConfiguration: config } = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const off = BLOCK_PUBLIC_ACCESS_SETTINGS.filter((setting) => config?.[setting] !== true);
    return off.length === 0 ? undefined : `${label} does not block public access (${off.join(', ')} off): all four settings must be on`;
  } catch (error) {
    if (errorName(error) === 'NoSuchPublicAccessBlockConfiguration') {
      return `${label} has no Block Public Access configuration: all four settings must be on`;
    }
    return unexpected(label, 'Block Public Access configuration', error);
  }
}

async function encryptionProblem(s3: S3Client, bucket: string, label: string): Promise<string | undefined> {
  try {
    const { ServerSideEncryptionConfiguration: config } = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const algorithms = (config?.Rules ?? []).map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).filter(Boolean);
    return algorithms.length > 0 ? undefined : `${label} has no default encryption configured`;
  } catch (error) {
    if (errorName(error) === 'ServerSideEncryptionConfigurationNotFoundError') return `${label} has no default encryption configured`;
    return unexpected(label, 'default encryption configuration', error);
  }
}

/** Options of {@link bucketProblems}. */
export interface BucketCheckOptions {
  readonly role: BucketRole;
  /** The service's region; the bucket must be in it. */
  readonly region: string;
  /** Output buckets: also Block Public Access (all four settings) and default encryption. */
  readonly protections: boolean;
}

/**
 * Every problem of a bucket a job uses, as precise messages: it exists, is in the service's
 * region and, with `protections`, blocks all public access and has default encryption.
 * A missing Block Public Access configuration counts as not blocked.
 */
export async function bucketProblems(s3: S3Client, bucket: string, options: BucketCheckOptions): Promise<string[]> {
  const label = `${options.role} bucket ${bucket}`;
  const location = await locationProblem(s3, bucket, label, options.region);
  if (!location.exists || !options.protections) return location.problem ? [location.problem] : [];
  const [publicAccess, encryption] = await Promise.all([publicAccessProblem(s3, bucket, label), encryptionProblem(s3, bucket, label)]);
  return [location.problem, publicAccess, encryption].filter((p): p is string => p !== undefined);
}

/**
 * Whether `key` is an object (the import then reads just it) rather than a folder prefix;
 * false when it cannot be told (missing bucket or access: reported by the other checks).
 */
export async function isExistingObject(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  if (key === '' || key.endsWith('/')) return false;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

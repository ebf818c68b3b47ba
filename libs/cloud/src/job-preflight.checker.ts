import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { bucketProblems, isExistingObject } from './bucket-checks';
import { permissionProblems, trustProblem } from './data-access-role.check';
import { readDataAccessRole } from './data-access-role.reader';
import { requiredJobPermissions, type PreflightJobKind } from './job-permissions';
import { resolveKmsKey } from './kms-key-check';
import { parseS3Uri, type S3Location } from './s3-uri';

/** What a job will touch; the fields of a job row or of a Start*Job request. */
export interface JobPreflightRequest {
  readonly kind: PreflightJobKind;
  readonly datastoreId: string;
  readonly dataAccessRoleArn: string;
  /** Import only. */
  readonly inputS3Uri?: string | null;
  readonly outputS3Uri: string;
  /** Key id, key ARN, alias name or alias ARN. */
  readonly kmsKeyId: string;
}

/** Clients the checks run with: IAM reads the role; S3 and KMS see the buckets and key. */
export interface JobPreflightClients {
  readonly iam: IAMClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
}

/** The deployment's identity, as the role's trust policy must name it. */
export interface JobPreflightOptions {
  /** `aws:SourceAccount`. */
  readonly accountId: string;
  /** Buckets and key must be in this region. */
  readonly region: string;
  /** e.g. `healthlake.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** `aws:SourceArn`: ARN of the job's datastore. */
  readonly datastoreArn: string;
}

/** Which check failed: `role`/`trust`/`permission` concern the data access role. */
export type PreflightProblemKind = 'request' | 'role' | 'trust' | 'permission' | 'bucket' | 'kms';

/** One precise reason a job may not start. */
export interface PreflightProblem {
  readonly kind: PreflightProblemKind;
  readonly message: string;
}

/** ARN of a HealthLake datastore, the `aws:SourceArn` of its jobs. */
export const healthLakeDatastoreArn = (region: string, accountId: string, datastoreId: string): string =>
  `arn:aws:healthlake:${region}:${accountId}:datastore/fhir/${datastoreId}`;

/** Problems joined into one message (the order is the checks' order). */
export const formatPreflightProblems = (problems: readonly PreflightProblem[]): string => problems.map((p) => p.message).join('; ');

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/.+$/;

function location(uri: string | null | undefined, role: 'input' | 'output', problems: PreflightProblem[]): S3Location | undefined {
  const parsed = uri ? parseS3Uri(uri) : undefined;
  if (!parsed) problems.push({ kind: 'request', message: `The ${role} S3 URI ${JSON.stringify(uri ?? null)} is not a valid s3://bucket/prefix URI` });
  return parsed;
}

/**
 * Every check a job must pass before any byte moves, all run, every failure reported:
 * 1. the data access role exists (exact ARN), its trust policy lets `servicePrincipal`
 *    `sts:AssumeRole` with `aws:SourceAccount` = `accountId` and `aws:SourceArn` = `datastoreArn`;
 * 2. its inline and attached policies grant exactly what the job needs ({@link requiredJobPermissions},
 *    KMS permissions on the key's ARN, aliases resolved) with no explicit Deny;
 * 3. the output bucket exists in `region`, blocks all public access and has default encryption;
 *    an import's input bucket exists in `region`;
 * 4. the KMS key exists, is Enabled, symmetric, ENCRYPT_DECRYPT, in `region`.
 * Returns the problems (empty: the job may start). Never throws for AWS errors: they become problems.
 */
export async function checkJobPreflight(request: JobPreflightRequest, clients: JobPreflightClients, options: JobPreflightOptions): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const output = location(request.outputS3Uri, 'output', problems);
  const input = request.kind === 'IMPORT' ? location(request.inputS3Uri, 'input', problems) : undefined;
  const sameBucket = input !== undefined && output !== undefined && input.bucket === output.bucket;

  const [role, key, outputBucket, inputBucket, inputIsObject] = await Promise.all([
    readDataAccessRole(clients.iam, request.dataAccessRoleArn),
    resolveKmsKey(clients.kms, request.kmsKeyId),
    output ? bucketProblems(clients.s3, output.bucket, { role: 'output', region: options.region, protections: true }) : [],
    input && !sameBucket ? bucketProblems(clients.s3, input.bucket, { role: 'input', region: options.region, protections: false }) : [],
    input ? isExistingObject(clients.s3, input.bucket, input.key) : false,
  ]);

  // A key that cannot be described is still checked by ARN when the caller gave one.
  const keyArn = key.keyArn ?? (KMS_KEY_ARN.test(request.kmsKeyId) ? request.kmsKeyId : undefined);
  if (!role.ok) problems.push({ kind: 'role', message: role.problem });
  else {
    const trust = trustProblem(role.role, options);
    if (trust) problems.push({ kind: 'trust', message: trust });
    if (output) {
      const required = requiredJobPermissions({ kind: request.kind, output, input, inputIsObject, keyArn, region: options.region });
      const context = { 'aws:SecureTransport': true, 'aws:RequestedRegion': options.region };
      problems.push(...permissionProblems(role.role, required, context).map((message) => ({ kind: 'permission' as const, message })));
    }
  }
  problems.push(...[...outputBucket, ...inputBucket].map((message) => ({ kind: 'bucket' as const, message })));
  if (key.problem) problems.push({ kind: 'kms', message: key.problem });
  else {
    const keyRegion = keyArn ? KMS_KEY_ARN.exec(keyArn)?.[1] : undefined;
    if (keyRegion && keyRegion !== options.region) problems.push({ kind: 'kms', message: `KMS key ${request.kmsKeyId} is in ${keyRegion}, not in the service's region ${options.region}` });
  }
  return problems;
}

import type { STSClient } from '@aws-sdk/client-sts';
import type { BaseEnv } from '@fhirlake/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { createIamClient, createKmsClient, createS3Client, createStsClient } from './aws-clients';
import { assumeDataAccessRole, dataAccessSessionName } from './data-access-role.credentials';
import { checkJobPreflight, healthLakeDatastoreArn, type JobPreflightClients, type JobPreflightRequest, type PreflightProblem } from './job-preflight.checker';

/** The variables {@link runJobPreflight} reads (any app's validated env has them). */
export type JobPreflightEnv = Pick<
  BaseEnv,
  | 'AWS_REGION'
  | 'AWS_ENDPOINT_URL'
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL_KMS'
  | 'AWS_ENDPOINT_URL_IAM'
  | 'AWS_ENDPOINT_URL_STS'
  | 'FHIRLAKE_ACCOUNT_ID'
  | 'FHIRLAKE_SERVICE_PRINCIPAL'
  | 'FHIRLAKE_ASSUME_ROLE'
>;

/** Options of {@link runJobPreflight}. */
export interface RunJobPreflightOptions {
  /** Names the assumed-role session `fhirlake-<jobId>` (workers); the gateway has no job yet. */
  readonly jobId?: string;
  /** fhirlake's own clients to reuse; missing ones are created from `env` and destroyed after. */
  readonly clients?: Partial<JobPreflightClients & { sts: STSClient }>;
}

/**
 * The job preflight with everything taken from `env`: the workers call it with their env and the
 * job row before moving any byte, the gateway at Start*Job. Empty result: the job may run.
 *
 * With `FHIRLAKE_ASSUME_ROLE=true` (real AWS) the role is assumed first and the bucket and key
 * checks run with its credentials, as HealthLake does (hence the role's s3:GetBucket* permissions);
 * a role that cannot be assumed is a problem. Otherwise everything runs as fhirlake itself.
 */
export async function runJobPreflight(env: JobPreflightEnv, job: JobPreflightRequest, options: RunJobPreflightOptions = {}): Promise<PreflightProblem[]> {
  const created: Array<{ destroy(): void }> = [];
  const own = <T extends { destroy(): void }>(client: T): T => (created.push(client), client);
  try {
    const given = options.clients ?? {};
    const clients = { iam: given.iam ?? own(createIamClient(env)), s3: given.s3 ?? own(createS3Client(env)), kms: given.kms ?? own(createKmsClient(env)) };
    const datastoreArn = healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, job.datastoreId);
    const checkOptions = { accountId: env.FHIRLAKE_ACCOUNT_ID, region: env.AWS_REGION, servicePrincipal: env.FHIRLAKE_SERVICE_PRINCIPAL, datastoreArn };
    if (!env.FHIRLAKE_ASSUME_ROLE) return await checkJobPreflight(job, clients, checkOptions);

    const sts = given.sts ?? own(createStsClient(env));
    const sessionName = dataAccessSessionName(options.jobId ? { jobId: options.jobId } : { sessionName: `fhirlake-preflight-${job.datastoreId}` });
    let credentials: AwsCredentialIdentity;
    try {
      credentials = await assumeDataAccessRole(sts, { roleArn: job.dataAccessRoleArn, sessionName, datastoreArn });
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const problem: PreflightProblem = { kind: 'trust', message: `Data access role ${job.dataAccessRoleArn} cannot be assumed (${e.name ?? 'Error'}: ${e.message ?? ''})` };
      return [problem, ...(await checkJobPreflight(job, clients, checkOptions))];
    }
    const asRole = { iam: clients.iam, s3: own(createS3Client(env, credentials)), kms: own(createKmsClient(env, credentials)) };
    return await checkJobPreflight(job, asRole, checkOptions);
  } finally {
    for (const client of created) client.destroy();
  }
}

/** Refresh a job's session this long before it expires (the SDK itself refreshes 5 minutes before). */
const REFRESH_BEFORE_EXPIRY_MS = 10 * 60_000;

/**
 * Credentials for a job's S3/KMS clients: with `FHIRLAKE_ASSUME_ROLE=true`, a provider of the
 * assumed data access role (session `fhirlake-<jobId>`); else undefined (the SDK's default chain,
 * i.e. fhirlake itself). Use as `createS3Client(env, jobCredentials(env, job, jobId))`.
 * The provider keeps its session, so a job's S3 and KMS clients given the same provider share one
 * `sts:AssumeRole`; it assumes the role again shortly before the session expires, so long jobs keep going.
 */
export function jobCredentials(
  env: JobPreflightEnv,
  job: Pick<JobPreflightRequest, 'dataAccessRoleArn' | 'datastoreId'>,
  jobId: string,
): AwsCredentialIdentityProvider | undefined {
  if (!env.FHIRLAKE_ASSUME_ROLE) return undefined;
  const datastoreArn = healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, job.datastoreId);
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const sts = createStsClient(env);
    try {
      return await assumeDataAccessRole(sts, { roleArn: job.dataAccessRoleArn, jobId, datastoreArn });
    } finally {
      sts.destroy();
    }
  };
  let session: Promise<AwsCredentialIdentity> | undefined;
  const refresh = (): Promise<AwsCredentialIdentity> =>
    (session = assume().catch((error: unknown) => {
      session = undefined; // the next call tries again
      throw error;
    }));
  return async () => {
    const pending = session ?? refresh();
    const credentials = await pending;
    const expiresSoon = credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < REFRESH_BEFORE_EXPIRY_MS;
    if (!expiresSoon) return credentials;
    // Only the first caller to notice refreshes; the others wait for its session.
    return session === pending ? refresh() : (session ?? refresh());
  };
}

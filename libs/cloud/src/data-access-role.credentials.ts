import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

/** Input of {@link assumeDataAccessRole}. */
export interface AssumeDataAccessRoleRequest {
  readonly roleArn: string;
  /** Names the session `fhirlake-<jobId>` so CloudTrail ties every S3/KMS call to the job. */
  readonly jobId?: string;
  /** Overrides the session name (1-64 of `[\w+=,.@-]`), e.g. for checks before a job exists. */
  readonly sessionName?: string;
  /**
   * Sent as `ExternalId`. STS lets no caller but AWS services set `aws:SourceArn`/`aws:SourceAccount`,
   * so the datastore ARN goes here: a trust policy can pin datastores with an `sts:ExternalId` condition.
   */
  readonly datastoreArn?: string;
  /** 900-43200; STS defaults to 3600. */
  readonly durationSeconds?: number;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** The session name STS gets: `fhirlake-<jobId>`, shortened and cleaned to STS's rules. */
export function dataAccessSessionName(request: Pick<AssumeDataAccessRoleRequest, 'jobId' | 'sessionName'>): string {
  const name = (request.sessionName ?? `fhirlake-${request.jobId ?? 'preflight'}`).replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  if (!SESSION_NAME.test(name)) throw new Error(`Invalid role session name ${JSON.stringify(name)}`);
  return name;
}

/**
 * `sts:AssumeRole` of a job's data access role (real AWS, `FHIRLAKE_ASSUME_ROLE=true`): temporary
 * credentials for the workers' S3/KMS clients (`createS3Client(env, credentials)`), so every byte
 * moves with the customer's role, as HealthLake does. Rejects with STS's error (e.g. AccessDenied
 * when the trust policy does not allow fhirlake's identity).
 */
export async function assumeDataAccessRole(sts: STSClient, request: AssumeDataAccessRoleRequest): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: request.roleArn,
      RoleSessionName: dataAccessSessionName(request),
      ...(request.datastoreArn ? { ExternalId: request.datastoreArn } : {}),
      ...(request.durationSeconds ? { DurationSeconds: request.durationSeconds } : {}),
    }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole of ${request.roleArn} returned no credentials`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}

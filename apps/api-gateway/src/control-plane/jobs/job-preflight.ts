import type { JobKind } from '@fhirlake/jobs';

/** What a job will touch, checked before it is accepted. */
export interface JobPreflightRequest {
  kind: JobKind;
  datastoreId: string;
  dataAccessRoleArn: string;
  inputS3Uri?: string;
  outputS3Uri: string;
  kmsKeyId: string;
}

/**
 * Checks that must pass before a job is accepted (the worker repeats them before moving data).
 * Throws an AwsServiceError naming exactly what is wrong.
 */
export interface JobPreflight {
  check(request: JobPreflightRequest): Promise<void>;
}

export const JOB_PREFLIGHT = Symbol('JOB_PREFLIGHT');

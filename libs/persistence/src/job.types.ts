import type { JobKind, JobStatus } from '@fhirlake/jobs';

/** A job row as workers and the control plane see it. */
export interface JobRecord {
  id: string;
  datastoreId: string;
  kind: JobKind;
  name: string | null;
  status: JobStatus;
  clientToken: string | null;
  requestHash: string;
  dataAccessRoleArn: string;
  inputS3Uri: string | null;
  outputS3Uri: string;
  kmsKeyId: string;
  validationLevel: string | null;
  exportRequest: Record<string, unknown> | null;
  /** Export snapshot time as a FHIR instant with microseconds (a Date would drop them). */
  transactionTime: string | null;
  submitTime: Date;
  startTime: Date | null;
  endTime: Date | null;
  message: string | null;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  epoch: number;
  workerId: string | null;
  principal: string | null;
}

export type NewJob = Pick<JobRecord, 'id' | 'datastoreId' | 'kind' | 'name' | 'clientToken' | 'requestHash' | 'dataAccessRoleArn' | 'outputS3Uri' | 'kmsKeyId'> &
  Partial<Pick<JobRecord, 'inputS3Uri' | 'validationLevel' | 'exportRequest' | 'principal'>>;

export interface JobListFilter {
  kind: JobKind;
  datastoreId?: string;
  name?: string;
  status?: JobStatus;
  submittedBefore?: Date;
  submittedAfter?: Date;
  /** Resume strictly after this (submitTime, id) position in newest-first order. */
  after?: { submitTime: Date; id: string };
}

/** A worker's write was refused: the job moved on (another claim, cancelled, finished). */
export class JobFencedError extends Error {
  constructor(
    readonly jobId: string,
    readonly epoch: number,
  ) {
    super(`Job ${jobId} is no longer held at epoch ${epoch}`);
    this.name = 'JobFencedError';
  }
}

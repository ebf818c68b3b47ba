import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { createIamClient, createKmsClient, createS3Client, createStsClient } from './aws-clients';
import type { JobPreflightRequest, PreflightProblem } from './job-preflight.checker';
import { jobCredentials, runJobPreflight, type JobPreflightEnv } from './job-preflight.runner';
import { S3ObjectStore } from './s3-object-store';

/** The clients a job's bytes move with: S3 (through `store`) and KMS. */
export interface JobDataClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly store: S3ObjectStore;
}

/** A job's clients lent to one user (a run, an export part); call `release` once, when done. */
export interface JobDataLease extends JobDataClients {
  release(): void;
}

/** The job row fields that decide whose credentials its data moves with. */
export type JobAwsIdentity = JobPreflightRequest & { readonly id: string };

/** Options of {@link JobAwsClients}. */
export interface JobAwsClientsOptions {
  /**
   * Per-job clients that nobody holds are destroyed after this long (default 0: at once). The
   * exporter lingers a little: parts of one job follow each other on a replica, and each new set
   * of clients costs an `sts:AssumeRole`.
   */
  readonly idleMs?: number;
}

interface JobEntry {
  readonly clients: JobDataClients;
  users: number;
  idle?: NodeJS.Timeout;
}

/**
 * A worker's AWS access for jobs. fhirlake's own IAM, STS, S3 and KMS clients run the job
 * preflight ({@link runJobPreflight}) before any byte moves. A job's data (reading input, writing
 * outputs, parts and manifests) moves with the clients {@link acquire} lends: fhirlake's own
 * without `FHIRLAKE_ASSUME_ROLE`; with `FHIRLAKE_ASSUME_ROLE=true` (real AWS) clients of the job's
 * own, acting as its data access role (session `fhirlake-<jobId>`), shared by the job's
 * concurrent users in this process and destroyed when the last one releases them.
 */
export class JobAwsClients {
  private readonly iam: IAMClient;
  private readonly sts: STSClient;
  private readonly own: JobDataClients;
  private readonly perJob = new Map<string, JobEntry>();
  private readonly idleMs: number;

  constructor(
    private readonly env: JobPreflightEnv,
    options: JobAwsClientsOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 0;
    this.iam = createIamClient(env);
    this.sts = createStsClient(env);
    const s3 = createS3Client(env);
    this.own = { s3, kms: createKmsClient(env), store: new S3ObjectStore(s3) };
  }

  /**
   * Every check the job must pass before its data moves (data access role trust and permissions,
   * buckets, KMS key); empty when it may run. Session `fhirlake-<jobId>` when the role is assumed.
   */
  preflight(job: JobAwsIdentity): Promise<PreflightProblem[]> {
    return runJobPreflight(this.env, job, { jobId: job.id, clients: { iam: this.iam, sts: this.sts, s3: this.own.s3, kms: this.own.kms } });
  }

  /** The clients the job's data moves with; release them when done. */
  acquire(job: JobAwsIdentity): JobDataLease {
    if (!this.env.FHIRLAKE_ASSUME_ROLE) return { ...this.own, release: () => undefined };
    let entry = this.perJob.get(job.id);
    if (!entry) {
      // One provider for both clients: one sts:AssumeRole per session.
      const credentials = jobCredentials(this.env, job, job.id);
      const s3 = createS3Client(this.env, credentials);
      entry = { clients: { s3, kms: createKmsClient(this.env, credentials), store: new S3ObjectStore(s3) }, users: 0 };
      this.perJob.set(job.id, entry);
    }
    clearTimeout(entry.idle);
    entry.idle = undefined;
    entry.users++;
    const held = entry;
    let released = false;
    return {
      ...held.clients,
      release: () => {
        if (released) return;
        released = true;
        if (--held.users > 0) return;
        if (this.idleMs === 0) return this.drop(job.id, held);
        held.idle = setTimeout(() => this.drop(job.id, held), this.idleMs);
        held.idle.unref();
      },
    };
  }

  /** Jobs whose own clients are open in this process (assume-role mode). */
  get openJobs(): number {
    return this.perJob.size;
  }

  /** Destroys every client (app shutdown). */
  destroy(): void {
    for (const [jobId, entry] of this.perJob) this.drop(jobId, entry);
    for (const client of [this.iam, this.sts, this.own.s3, this.own.kms]) client.destroy();
  }

  private drop(jobId: string, entry: JobEntry): void {
    clearTimeout(entry.idle);
    if (this.perJob.get(jobId) === entry) this.perJob.delete(jobId);
    entry.clients.s3.destroy();
    entry.clients.kms.destroy();
  }
}

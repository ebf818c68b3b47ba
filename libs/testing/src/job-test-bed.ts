import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { createKmsClient, createS3Client } from '@fhirlake/cloud';
import { JobDispatcher } from '@fhirlake/coordination';
import { createPgPool, JobRepository, type JobRecord, type NewJob } from '@fhirlake/persistence';
import IORedis, { type Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createJobDestinations, testAwsEnv } from './aws-job-fixtures';
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix } from './test-database';
import { waitFor } from './wait-for';

/**
 * Everything a bulk job needs, for tests (and benchmarks) that drive importers and exporters
 * directly: a fresh database, a Redis key prefix, and in moto one private, SSE-KMS-encrypted
 * bucket for input and output, a KMS key and a data access role that passes the job preflight.
 */
export interface JobTestBed {
  readonly db: TestDatabase;
  readonly sql: Pool;
  readonly jobs: JobRepository;
  readonly redis: Redis;
  readonly redisPrefix: string;
  /** fhirlake's own clients (the test's view of the buckets and keys). */
  readonly s3: S3Client;
  readonly kms: KMSClient;
  /** All four Block Public Access settings on, default encryption with `kmsKeyId`. */
  readonly bucket: string;
  readonly kmsKeyId: string;
  readonly kmsKeyArn: string;
  /** Trusted for every datastore of the account; allowed the documented permissions on `bucket` and any key. */
  readonly roleArn: string;
  /** The string environment of a worker on this bed (database, Redis prefix, `defaults`), plus `extra`. */
  processEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** A random 32-hex id, like fhirlake's datastore and job ids. */
export const randomId = (): string => randomBytes(16).toString('hex');

/** Creates a {@link JobTestBed}; `defaults` go into every {@link JobTestBed.processEnv}. */
export async function createJobTestBed(label: string, defaults: Record<string, string> = {}): Promise<JobTestBed> {
  const db = await createTestDatabase();
  // createPgPool handles idle connections dropped by the server (e.g. DROP DATABASE ... FORCE at teardown).
  const sql = createPgPool(db.url, 6);
  const redisPrefix = uniqueRedisPrefix(label);
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const env = testAwsEnv();
  const s3 = createS3Client(env);
  const kms = createKmsClient(env);
  const destinations = await createJobDestinations({ singleBucket: true });
  return {
    db,
    sql,
    jobs: new JobRepository(sql),
    redis,
    redisPrefix,
    s3,
    kms,
    bucket: destinations.outputBucket,
    kmsKeyId: destinations.kmsKeyId,
    kmsKeyArn: destinations.kmsKeyArn,
    roleArn: destinations.roleArn,
    processEnv: (extra = {}) => ({ DATABASE_URL: db.url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'warn', ...defaults, ...extra }),
    async close() {
      s3.destroy();
      kms.destroy();
      redis.disconnect();
      await sql.end();
      await db.drop();
    },
  };
}

/** Inserts an ACTIVE datastore row; returns its id. */
export async function createTestDatastore(sql: Pool, name = 'job-test'): Promise<string> {
  const id = randomId();
  await sql.query(`INSERT INTO datastore (id, name, status) VALUES ($1, $2, 'ACTIVE')`, [id, name]);
  return id;
}

/** A job row as {@link submitTestJob} takes it: the bed's role and key unless given. */
export type TestJob = Omit<NewJob, 'id' | 'clientToken' | 'requestHash' | 'dataAccessRoleArn' | 'kmsKeyId' | 'name'> & Partial<Pick<NewJob, 'dataAccessRoleArn' | 'kmsKeyId' | 'name'>>;

/**
 * Creates a job row directly (no Start*Job, so no gateway preflight: the workers' own checks are
 * what a test of a bad role or bucket exercises), admits it and, unless `dispatch` is false, puts
 * it on its queue.
 */
export async function submitTestJob(bed: JobTestBed, job: TestJob, options: { dispatch?: boolean } = {}): Promise<JobRecord> {
  const id = randomId();
  const { job: created } = await bed.jobs.create({
    ...job,
    name: job.name ?? `test ${job.kind.toLowerCase()}`,
    dataAccessRoleArn: job.dataAccessRoleArn ?? bed.roleArn,
    kmsKeyId: job.kmsKeyId ?? bed.kmsKeyId,
    id,
    clientToken: null,
    requestHash: createHash('sha256').update(id).digest('hex'),
  });
  const admitted = await bed.jobs.admitNext(job.datastoreId);
  if (admitted?.id !== created.id) throw new Error(`${job.kind} job ${created.id} was not admitted`);
  if (options.dispatch !== false) await dispatchTestJob(bed, admitted);
  return admitted;
}

/** Puts an admitted job on its queue (what the coordinator does). */
export async function dispatchTestJob(bed: Pick<JobTestBed, 'redis' | 'redisPrefix'>, job: JobRecord): Promise<void> {
  const dispatcher = new JobDispatcher(bed.redis, bed.redisPrefix);
  try {
    await dispatcher.dispatch(job);
  } finally {
    await dispatcher.close();
  }
}

/** Statuses a job ends in. */
export const FINAL_JOB_STATUSES: readonly string[] = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED', 'CANCEL_FAILED'];

/** Waits until the job reaches one of `statuses` (default: a final one) and returns it. */
export async function waitForJobStatus(bed: Pick<JobTestBed, 'jobs'>, jobId: string, statuses: readonly string[] = FINAL_JOB_STATUSES, timeoutMs = 60_000): Promise<JobRecord> {
  let job: JobRecord | undefined;
  await waitFor(
    async () => {
      job = await bed.jobs.find(jobId);
      return job !== undefined && statuses.includes(job.status);
    },
    { timeoutMs, intervalMs: 100, description: `job ${jobId} to reach ${statuses.join('/')}` },
  );
  return job!;
}

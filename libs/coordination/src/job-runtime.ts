import { type RunJobPayload, redisKeys, isCancelling, type JobStatus } from '@fhirlake/jobs';
import type { JobRecord, JobRepository } from '@fhirlake/persistence';
import type { Redis } from 'ioredis';
import type { PoolClient } from 'pg';
import { keepLease } from './lease-keeper';
import { RedisLease } from './redis-lease';

export const DEFAULT_LEASE_TTL_MS = 15_000;

/** What a job handler gets: the job at its claimed epoch, and fenced access to Postgres. */
export interface JobExecution {
  job: JobRecord;
  epoch: number;
  /** Aborted when the lease is lost or the worker shuts down: stop promptly, commit nothing more. */
  signal: AbortSignal;
  /** Runs `work` in a transaction that commits only while this execution still holds the job. */
  fenced<T>(work: (client: PoolClient, status: JobStatus) => Promise<T>): Promise<T>;
  /** Like `fenced`, but the fence is taken when `work` calls `fence()`, which it must before it ends (see JobRepository.fencedLate). */
  fencedLate<T>(work: (client: PoolClient, fence: () => Promise<JobStatus>) => Promise<T>): Promise<T>;
  /** True once a cancellation was requested (checked against Postgres). */
  cancelRequested(): Promise<boolean>;
}

export interface JobRuntimeDeps {
  jobs: JobRepository;
  redis: Redis;
  redisPrefix: string;
  workerId: string;
  leaseTtlMs?: number;
  /** Aborts every running execution (shutdown). */
  shutdownSignal?: AbortSignal;
}

/** Thrown when the datastore lease is held by someone else: the queue retries later. */
export class LeaseBusyError extends Error {
  constructor(datastoreId: string, holder: string | null) {
    super(`Datastore ${datastoreId} lease is held by ${holder ?? 'nobody (race)'}`);
    this.name = 'LeaseBusyError';
  }
}

/**
 * Takes the datastore's lease, claims the job (bumping its epoch, which fences out any earlier
 * holder), keeps the lease alive while `handler` runs, and releases it afterwards. Returns
 * 'skipped' when the job is no longer active (finished, cancelled, or unknown): a stale message.
 */
export async function runClaimedJob(deps: JobRuntimeDeps, payload: RunJobPayload, handler: (execution: JobExecution) => Promise<void>): Promise<'done' | 'skipped'> {
  const current = await deps.jobs.find(payload.jobId);
  if (!current || !['IN_PROGRESS', 'CANCEL_SUBMITTED', 'CANCEL_IN_PROGRESS'].includes(current.status)) return 'skipped';

  const lease = new RedisLease(deps.redis, redisKeys(deps.redisPrefix).datastoreLease(payload.datastoreId), `${payload.jobId}:${deps.workerId}`, deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS);
  if (!(await lease.acquire())) throw new LeaseBusyError(payload.datastoreId, await lease.currentHolder());

  const abort = new AbortController();
  const onShutdown = () => abort.abort(new Error('worker shutting down'));
  deps.shutdownSignal?.addEventListener('abort', onShutdown, { once: true });
  const keeper = keepLease(lease, () => abort.abort(new Error('datastore lease lost')));
  try {
    const job = await deps.jobs.claim(payload.jobId, deps.workerId);
    if (!job) return 'skipped';
    await handler({
      job,
      epoch: job.epoch,
      signal: abort.signal,
      fenced: (work) => deps.jobs.fenced(job.id, job.epoch, work),
      fencedLate: (work) => deps.jobs.fencedLate(job.id, job.epoch, work),
      cancelRequested: async () => {
        const latest = await deps.jobs.find(job.id);
        return !latest || isCancelling(latest.status);
      },
    });
    return 'done';
  } finally {
    deps.shutdownSignal?.removeEventListener('abort', onShutdown);
    await keeper.stop();
  }
}

import { JOB_NAMES, QUEUES, redisKeys, type RunJobPayload } from '@fhirlake/jobs';
import type { JobRecord } from '@fhirlake/persistence';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** Retries cover crashes and transient failures: every run resumes from the job's checkpoints. */
export const RUN_JOB_OPTIONS: JobsOptions = {
  attempts: 50,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 1000 },
};

/** BullMQ worker settings for job runs: a dead worker's job is handed to another within ~15 s. */
export const RUN_JOB_WORKER_OPTIONS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 1000 } as const;

const queueFor = (job: Pick<JobRecord, 'kind'>) => (job.kind === 'IMPORT' ? QUEUES.import : QUEUES.export);
const jobNameFor = (job: Pick<JobRecord, 'kind'>) => (job.kind === 'IMPORT' ? JOB_NAMES.runImport : JOB_NAMES.runExport);

/** BullMQ id of a job's run at its current epoch: dispatching twice at one epoch adds one queue entry. */
export const runQueueId = (job: Pick<JobRecord, 'id' | 'epoch'>) => `${job.id}-e${job.epoch}`;

/** Puts admitted jobs on their worker queue (import or export). */
export class JobDispatcher {
  private readonly queues: Map<string, Queue>;

  constructor(redis: Redis, redisPrefix: string) {
    const prefix = redisKeys(redisPrefix).bullPrefix;
    this.queues = new Map([QUEUES.import, QUEUES.export].map((name) => [name, new Queue(name, { connection: redis, prefix })]));
  }

  /** Enqueues a run of `job` unless one for its current epoch is already waiting or running. */
  async dispatch(job: Pick<JobRecord, 'id' | 'datastoreId' | 'kind' | 'epoch'>): Promise<void> {
    const payload: RunJobPayload = { jobId: job.id, datastoreId: job.datastoreId, traceId: randomUUID() };
    await this.queue(job).add(jobNameFor(job), payload, { ...RUN_JOB_OPTIONS, jobId: runQueueId(job) });
  }

  /**
   * True when some run of `job` (at any epoch) is waiting, delayed or active in its queue. Queues
   * hold about one entry per busy datastore, so scanning them is cheap.
   */
  async isQueued(job: Pick<JobRecord, 'id' | 'kind'>): Promise<boolean> {
    const entries = await this.queue(job).getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    return entries.some((entry) => (entry?.data as RunJobPayload | undefined)?.jobId === job.id);
  }

  /** Removes a finished run entry so the same epoch can be dispatched again (after a Redis flush, say). */
  async forget(job: Pick<JobRecord, 'id' | 'kind' | 'epoch'>): Promise<void> {
    const entry = await this.queue(job).getJob(runQueueId(job));
    if (entry && ['completed', 'failed'].includes(await entry.getState())) await entry.remove();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  private queue(job: Pick<JobRecord, 'kind'>): Queue {
    return this.queues.get(queueFor(job))!;
  }
}

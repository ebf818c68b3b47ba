import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { WORKER_REDIS } from '@fhirlake/coordination';
import { type ExportPartPayload, JOB_NAMES, QUEUES, redisKeys } from '@fhirlake/jobs';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { EXPORTER_ENV } from './exporter.tokens';
import type { ExporterEnv } from './exporter-env';

/** BullMQ id of a part at an epoch: enqueueing twice at one epoch adds one entry. */
export const partQueueId = (jobId: string, partId: number, epoch: number) => `${jobId}-p${partId}-e${epoch}`;

/** Enqueues export parts for any exporter replica to process. */
@Injectable()
export class ExportPartQueue implements OnModuleDestroy {
  private readonly queue: Queue;

  constructor(
    @Inject(WORKER_REDIS) redis: Redis,
    @Inject(EXPORTER_ENV) private readonly env: ExporterEnv,
  ) {
    this.queue = new Queue(QUEUES.exportPart, { connection: redis, prefix: redisKeys(env.REDIS_PREFIX).bullPrefix });
  }

  async enqueue(job: { jobId: string; datastoreId: string; epoch: number }, partIds: number[]): Promise<void> {
    const traceId = randomUUID();
    for (let i = 0; i < partIds.length; i += 500) {
      await this.queue.addBulk(
        partIds.slice(i, i + 500).map((partId) => ({
          name: JOB_NAMES.exportPart,
          data: { jobId: job.jobId, datastoreId: job.datastoreId, epoch: job.epoch, partId, traceId } satisfies ExportPartPayload,
          opts: {
            jobId: partQueueId(job.jobId, partId, job.epoch),
            attempts: this.env.EXPORTER_PART_ATTEMPTS,
            backoff: { type: 'exponential', delay: 500 },
            removeOnComplete: { count: 5000 },
            removeOnFail: { count: 5000 },
          },
        })),
      );
    }
  }

  /**
   * Re-adds parts whose queue entry is gone (Redis flushed or lost) or finished without the part
   * being done; Postgres, not Redis, says which parts remain. Returns how many were re-added.
   */
  async ensureQueued(job: { jobId: string; datastoreId: string; epoch: number }, partIds: number[]): Promise<number> {
    const lost: number[] = [];
    for (const partId of partIds) {
      const entry = await this.queue.getJob(partQueueId(job.jobId, partId, job.epoch));
      const state = entry ? await entry.getState() : 'unknown';
      if (state === 'unknown' || state === 'completed' || state === 'failed') lost.push(partId);
    }
    for (const partId of lost) await this.queue.remove(partQueueId(job.jobId, partId, job.epoch)).catch(() => 0);
    if (lost.length > 0) await this.enqueue(job, lost);
    return lost.length;
  }

  /** Drops waiting entries of these parts (cancellation); running ones stop on their own. */
  async discard(job: { jobId: string; epoch: number }, partIds: number[]): Promise<void> {
    for (const partId of partIds) await this.queue.remove(partQueueId(job.jobId, partId, job.epoch)).catch(() => 0);
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}

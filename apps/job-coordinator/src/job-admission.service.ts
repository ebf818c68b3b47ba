import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobDispatcher, WORKER_ENV, WORKER_PG_POOL, WORKER_REDIS } from '@fhirlake/coordination';
import type { BaseEnv } from '@fhirlake/config';
import { redisKeys } from '@fhirlake/jobs';
import { JobRepository } from '@fhirlake/persistence';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** One reconciliation pass's effects, for logs and tests. */
export interface ReconcileReport {
  admitted: string[];
  redispatched: string[];
  failed: string[];
}

/**
 * Brings queues in line with job rows (the truth): admits each datastore's oldest waiting job when
 * its slot is free (FIFO; the partial unique index keeps it to one), and re-dispatches active jobs
 * that nobody holds and no queue entry carries (lost message, Redis flush).
 */
@Injectable()
export class JobAdmissionService {
  private readonly logger = new Logger('JobAdmission');

  constructor(
    private readonly jobs: JobRepository,
    private readonly dispatcher: JobDispatcher,
    @Inject(WORKER_PG_POOL) private readonly pool: Pool,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(WORKER_ENV) private readonly env: BaseEnv,
  ) {}

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { admitted: [], redispatched: [], failed: [] };
    for (const datastoreId of await this.jobs.datastoresWithWaitingJobs()) {
      if (!(await this.datastoreIsActive(datastoreId))) {
        report.failed.push(...(await this.failWaitingJobs(datastoreId)));
        continue;
      }
      const admitted = await this.jobs.admitNext(datastoreId);
      if (admitted) {
        await this.dispatcher.dispatch(admitted);
        report.admitted.push(admitted.id);
        this.logger.log(`Admitted ${admitted.kind} job ${admitted.id} on datastore ${datastoreId}`);
      }
    }
    const keys = redisKeys(this.env.REDIS_PREFIX);
    for (const job of await this.jobs.activeJobs()) {
      if ((await this.redis.exists(keys.datastoreLease(job.datastoreId))) === 1) continue;
      if (await this.dispatcher.isQueued(job)) continue;
      await this.dispatcher.forget(job);
      await this.dispatcher.dispatch(job);
      report.redispatched.push(job.id);
      this.logger.warn(`Re-dispatched ${job.kind} job ${job.id}: no worker held it and no queue entry carried it`);
    }
    return report;
  }

  private async datastoreIsActive(datastoreId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ status: string }>('SELECT status FROM datastore WHERE id = $1', [datastoreId]);
    return rows[0]?.status === 'ACTIVE';
  }

  private async failWaitingJobs(datastoreId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM fhir_job WHERE datastore_id = $1 AND status IN ('SUBMITTED', 'QUEUED')`,
      [datastoreId],
    );
    for (const row of rows) await this.jobs.failUnconditionally(row.id, `Datastore ${datastoreId} is no longer ACTIVE`);
    return rows.map((r) => r.id);
  }
}

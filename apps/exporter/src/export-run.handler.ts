import { Inject, Injectable } from '@nestjs/common';
import { runClaimedJob, WORKER_ID, WORKER_REDIS } from '@fhirlake/coordination';
import { JOB_NAMES, QUEUES, runJobPayload } from '@fhirlake/jobs';
import { JobFencedError, JobRepository } from '@fhirlake/persistence';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExportRunService } from './export-run.service';
import { EXPORTER_ENV, EXPORTER_SHUTDOWN } from './exporter.tokens';
import type { ExporterEnv } from './exporter-env';
import type { JobHandler } from './job-handler-registry';

/** `export.run`: the coordinating run of an export job, under the datastore lease and a fresh epoch. */
@Injectable()
export class ExportRunHandler implements JobHandler {
  readonly queue = QUEUES.export;
  readonly jobName = JOB_NAMES.runExport;

  constructor(
    private readonly jobs: JobRepository,
    private readonly runs: ExportRunService,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(WORKER_ID) private readonly workerId: string,
    @Inject(EXPORTER_ENV) private readonly env: ExporterEnv,
    @Inject(EXPORTER_SHUTDOWN) private readonly shutdown: AbortController,
  ) {}

  async handle(job: Job): Promise<string> {
    const payload = runJobPayload.parse(job.data);
    try {
      const deps = { jobs: this.jobs, redis: this.redis, redisPrefix: this.env.REDIS_PREFIX, workerId: this.workerId, shutdownSignal: this.shutdown.signal };
      return await runClaimedJob(deps, payload, (execution) => this.runs.run(execution));
    } catch (error) {
      // Another run took the job over (or it ended): nothing left for this one to do.
      if (error instanceof JobFencedError) return 'fenced';
      throw error;
    }
  }
}

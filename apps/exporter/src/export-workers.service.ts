import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { RUN_JOB_WORKER_OPTIONS, WORKER_REDIS } from '@fhirlake/coordination';
import { QUEUES, redisKeys } from '@fhirlake/jobs';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ExportPartHandler } from './export-part.handler';
import { ExportRunHandler } from './export-run.handler';
import { EXPORTER_ENV, EXPORTER_SHUTDOWN } from './exporter.tokens';
import type { ExporterEnv } from './exporter-env';
import { buildHandlerRegistry, type JobHandler } from './job-handler-registry';

const EXPORTER_QUEUES = [QUEUES.export, QUEUES.exportPart] as const;

/**
 * The exporter's BullMQ workers: coordinating runs on the export queue, parts on the part queue,
 * each on its own Redis connection. Refuses to boot unless every job name has exactly one handler;
 * on shutdown aborts running work (it is retried elsewhere) and closes the workers.
 */
@Injectable()
export class ExportWorkersService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ExportWorkers');
  private registry = new Map<string, Map<string, JobHandler>>();
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];

  constructor(
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(EXPORTER_ENV) private readonly env: ExporterEnv,
    @Inject(EXPORTER_SHUTDOWN) private readonly shutdown: AbortController,
    runHandler: ExportRunHandler,
    partHandler: ExportPartHandler,
  ) {
    this.handlers = [runHandler, partHandler];
  }

  private readonly handlers: JobHandler[];

  onModuleInit(): void {
    this.registry = buildHandlerRegistry(EXPORTER_QUEUES, this.handlers);
  }

  onApplicationBootstrap(): void {
    const concurrency = { [QUEUES.export]: this.env.EXPORTER_CONCURRENCY, [QUEUES.exportPart]: this.env.EXPORTER_PART_CONCURRENCY };
    for (const queue of EXPORTER_QUEUES) {
      const connection = this.redis.duplicate();
      this.connections.push(connection);
      const worker = new Worker(queue, (job: Job, token?: string) => this.dispatch(queue, job, token), {
        connection,
        prefix: redisKeys(this.env.REDIS_PREFIX).bullPrefix,
        concurrency: concurrency[queue],
        ...RUN_JOB_WORKER_OPTIONS,
      });
      worker.on('error', (error) => this.logger.error(`${queue} worker: ${error.message}`));
      worker.on('failed', (job, error) => this.logger.warn(`${queue} ${job?.name ?? '?'} ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`));
      this.workers.push(worker);
    }
    this.logger.log(`exporter workers started (runs ${this.env.EXPORTER_CONCURRENCY}, parts ${this.env.EXPORTER_PART_CONCURRENCY})`);
  }

  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort(new Error('exporter shutting down'));
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled(this.connections.map((c) => c.quit()));
  }

  private dispatch(queue: string, job: Job, token?: string): Promise<unknown> {
    const handler = this.registry.get(queue)?.get(job.name);
    if (!handler) throw new Error(`no handler for job ${job.name} on queue ${queue}`);
    return handler.handle(job, token);
  }
}

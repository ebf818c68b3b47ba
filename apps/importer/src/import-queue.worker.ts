import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { BaseEnv } from '@fhirlake/config';
import { RUN_JOB_WORKER_OPTIONS, WORKER_ENV, WORKER_REDIS } from '@fhirlake/coordination';
import { QUEUE_JOB_NAMES, QUEUES, redisKeys, runJobPayload } from '@fhirlake/jobs';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { IMPORTER_SETTINGS } from './importer.tokens';
import type { ImporterSettings } from './importer-settings';
import { assertHandlersCoverQueue, IMPORT_JOB_HANDLERS, type QueueJobHandler } from './queue-job-handler';

/**
 * The BullMQ worker on the import queue: started at module init on its own Redis connection
 * (BullMQ blocks on it), closed at shutdown after aborting the running imports (they stop after
 * at most the statement in flight; the queue hands the job to another worker).
 */
@Injectable()
export class ImportQueueWorker implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ImportQueueWorker');
  private readonly shutdown = new AbortController();
  private readonly handlers: Map<string, QueueJobHandler>;
  private worker?: Worker;
  private connection?: Redis;

  constructor(
    @Inject(WORKER_ENV) private readonly env: BaseEnv,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(IMPORTER_SETTINGS) private readonly settings: ImporterSettings,
    @Inject(IMPORT_JOB_HANDLERS) handlers: QueueJobHandler[],
  ) {
    this.handlers = assertHandlersCoverQueue(QUEUES.import, QUEUE_JOB_NAMES[QUEUES.import], handlers);
  }

  onModuleInit(): void {
    this.connection = this.redis.duplicate();
    this.worker = new Worker(QUEUES.import, (job) => this.process(job), {
      ...RUN_JOB_WORKER_OPTIONS,
      connection: this.connection,
      prefix: redisKeys(this.env.REDIS_PREFIX).bullPrefix,
      concurrency: this.settings.concurrency,
    });
    this.worker.on('error', (error) => this.logger.error(`Import queue worker error: ${error.message}`));
    this.worker.on('failed', (job, error) => this.logger.warn(`Import run ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.name}: ${error.message}`));
    this.logger.log(`Import queue worker started (concurrency ${this.settings.concurrency})`);
  }

  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort(new Error('importer shutting down'));
    await this.worker?.close();
    await this.connection?.quit().catch(() => undefined);
  }

  private async process(job: Job): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`No handler for job name ${job.name} on ${QUEUES.import}`);
    await handler.handle(runJobPayload.parse(job.data), this.shutdown.signal);
  }
}

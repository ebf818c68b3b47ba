import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { JobAwsClients } from '@fhirlake/cloud';
import type { BaseEnv } from '@fhirlake/config';
import { WORKER_ID, WORKER_PG_POOL, WORKER_REDIS, WorkerInfrastructureModule } from '@fhirlake/coordination';
import { FhirResourceRepository, ImportCheckpointRepository, JobRepository } from '@fhirlake/persistence';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { ImportBatchCommitter } from './import-batch.committer';
import { ImportFileLoader } from './import-file.loader';
import { ImportJobService } from './import-job.service';
import { ImportOutputWriter } from './import-output.writer';
import { ImportPrecheck } from './import-precheck';
import { ImportQueueWorker } from './import-queue.worker';
import { IMPORTER_SETTINGS } from './importer.tokens';
import { type ImporterSettings, loadImporterSettings } from './importer-settings';
import { ResourceParsePool } from './resource-parse.pool';
import { IMPORT_JOB_HANDLERS } from './queue-job-handler';
import { RunImportHandler } from './run-import.handler';

@Module({})
export class ImporterModule implements OnApplicationShutdown {
  constructor(
    @Inject(JobAwsClients) private readonly aws: JobAwsClients,
    @Inject(ResourceParsePool) private readonly parser: ResourceParsePool,
  ) {}

  /** `settings` default to the IMPORTER_* environment variables (validated here, at boot). */
  static forRoot(env: BaseEnv, settings: ImporterSettings = loadImporterSettings()): DynamicModule {
    return {
      module: ImporterModule,
      imports: [WorkerInfrastructureModule.forRoot(env, 'importer')],
      providers: [
        { provide: IMPORTER_SETTINGS, useValue: settings },
        // Per-job clients (assume-role mode) are destroyed as soon as their import ends.
        { provide: JobAwsClients, useFactory: () => new JobAwsClients(env) },
        { provide: ResourceParsePool, useFactory: () => new ResourceParsePool(settings.parseThreads) },
        {
          provide: ImportJobService,
          inject: [WORKER_PG_POOL, JobRepository, JobAwsClients, ResourceParsePool],
          useFactory: (pool: Pool, jobs: JobRepository, aws: JobAwsClients, parser: ResourceParsePool) => {
            const checkpoints = new ImportCheckpointRepository(pool);
            const committer = new ImportBatchCommitter(jobs, checkpoints);
            return new ImportJobService(jobs, new FhirResourceRepository(pool), checkpoints, aws, ({ store }) => ({
              precheck: new ImportPrecheck(store),
              loader: new ImportFileLoader(store, committer, parser, settings),
              outputs: new ImportOutputWriter(store, checkpoints),
            }));
          },
        },
        {
          provide: IMPORT_JOB_HANDLERS,
          inject: [JobRepository, WORKER_REDIS, WORKER_ID, ImportJobService],
          useFactory: (jobs: JobRepository, redis: Redis, workerId: string, imports: ImportJobService) => [
            new RunImportHandler({ jobs, redis, redisPrefix: env.REDIS_PREFIX, workerId }, imports),
          ],
        },
        ImportQueueWorker,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.aws.destroy();
    await this.parser.close();
  }
}

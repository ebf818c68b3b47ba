import { type DynamicModule, Module } from '@nestjs/common';
import { createKmsClient, createS3Client, S3ObjectStore } from '@fhirlake/cloud';
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
import { IMPORT_JOB_HANDLERS } from './queue-job-handler';
import { RunImportHandler } from './run-import.handler';

@Module({})
export class ImporterModule {
  /** `settings` default to the IMPORTER_* environment variables (validated here, at boot). */
  static forRoot(env: BaseEnv, settings: ImporterSettings = loadImporterSettings()): DynamicModule {
    return {
      module: ImporterModule,
      imports: [WorkerInfrastructureModule.forRoot(env, 'importer')],
      providers: [
        { provide: IMPORTER_SETTINGS, useValue: settings },
        {
          provide: ImportJobService,
          inject: [WORKER_PG_POOL, JobRepository],
          useFactory: (pool: Pool, jobs: JobRepository) => {
            const store = new S3ObjectStore(createS3Client(env));
            const checkpoints = new ImportCheckpointRepository(pool);
            return new ImportJobService(
              jobs,
              new FhirResourceRepository(pool),
              checkpoints,
              new ImportPrecheck(store, createKmsClient(env)),
              new ImportFileLoader(store, new ImportBatchCommitter(jobs, checkpoints), settings),
              new ImportOutputWriter(store, checkpoints),
            );
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
}

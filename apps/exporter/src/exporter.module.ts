import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type BaseEnv, loadConfig } from '@fhirlake/config';
import { JobAwsClients } from '@fhirlake/cloud';
import { WORKER_PG_POOL, WorkerInfrastructureModule } from '@fhirlake/coordination';
import { ExportPlanRepository, ExportSnapshotReader } from '@fhirlake/persistence';
import type { Pool } from 'pg';
import { ExportPartHandler } from './export-part.handler';
import { ExportPartQueue } from './export-part.queue';
import { ExportPartService } from './export-part.service';
import { ExportPlannerService } from './export-planner.service';
import { ExportPreflightService } from './export-preflight.service';
import { ExportRunHandler } from './export-run.handler';
import { ExportRunService } from './export-run.service';
import { ExportWorkersService } from './export-workers.service';
import { EXPORTER_ENV, EXPORTER_SHUTDOWN } from './exporter.tokens';
import { type ExporterEnv, exporterEnvSchema } from './exporter-env';

@Module({})
export class ExporterModule implements OnApplicationShutdown {
  constructor(@Inject(JobAwsClients) private readonly aws: JobAwsClients) {}

  /** `env` is the base environment; the exporter's own settings are read from `exporterEnv` (default: process.env). */
  static forRoot(env: BaseEnv, exporterEnv: ExporterEnv = loadConfig(exporterEnvSchema, process.env)): DynamicModule {
    const settings: ExporterEnv = { ...exporterEnv, ...env };
    return {
      module: ExporterModule,
      imports: [WorkerInfrastructureModule.forRoot(env, 'exporter')],
      providers: [
        { provide: EXPORTER_ENV, useValue: settings },
        { provide: EXPORTER_SHUTDOWN, useFactory: () => new AbortController() },
        // Parts of one job follow each other on a replica: per-job clients (assume-role mode) linger
        // briefly after the last one, so the next part needs no new sts:AssumeRole.
        { provide: JobAwsClients, useFactory: () => new JobAwsClients(env, { idleMs: settings.EXPORTER_JOB_CLIENTS_IDLE_MS }) },
        { provide: ExportSnapshotReader, useFactory: (pool: Pool) => new ExportSnapshotReader(pool), inject: [WORKER_PG_POOL] },
        { provide: ExportPlanRepository, useFactory: (pool: Pool) => new ExportPlanRepository(pool), inject: [WORKER_PG_POOL] },
        ExportPreflightService,
        ExportPlannerService,
        ExportPartQueue,
        ExportPartService,
        ExportRunService,
        ExportRunHandler,
        ExportPartHandler,
        ExportWorkersService,
      ],
    };
  }

  onApplicationShutdown(): void {
    this.aws.destroy();
  }
}

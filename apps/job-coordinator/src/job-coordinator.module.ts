import { type DynamicModule, Module } from '@nestjs/common';
import type { BaseEnv } from '@fhirlake/config';
import { JobDispatcher, WORKER_REDIS, WorkerInfrastructureModule } from '@fhirlake/coordination';
import type { Redis } from 'ioredis';
import { COORDINATOR_TICK_MS, CoordinatorLoopService } from './coordinator-loop.service';
import { JobAdmissionService } from './job-admission.service';

@Module({})
export class JobCoordinatorModule {
  static forRoot(env: BaseEnv): DynamicModule {
    return {
      module: JobCoordinatorModule,
      imports: [WorkerInfrastructureModule.forRoot(env, 'job-coordinator')],
      providers: [
        { provide: COORDINATOR_TICK_MS, useValue: env.FHIRLAKE_COORDINATOR_TICK_MS },
        {
          provide: JobDispatcher,
          useFactory: (redis: Redis) => new JobDispatcher(redis, env.REDIS_PREFIX),
          inject: [WORKER_REDIS],
        },
        JobAdmissionService,
        CoordinatorLoopService,
      ],
    };
  }
}
